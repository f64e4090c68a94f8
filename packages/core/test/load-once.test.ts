import { describe, expect, it } from 'vitest';
import { loadOnce } from '../src/index.js';

describe('loadOnce', () => {
  it('loads once for every caller, and tries again after a failed load', async () => {
    let calls = 0;
    const outcomes: Array<() => Promise<string>> = [() => Promise.reject(new Error('chunk missing')), () => Promise.resolve('chunk')];
    const load = loadOnce(() => outcomes[calls++]!());
    const [first, second] = [load(), load()];
    expect(first).toBe(second);
    await expect(first).rejects.toThrow('chunk missing');
    expect(await load()).toBe('chunk');
    expect(await load()).toBe('chunk');
    expect(calls).toBe(2);
  });
});
