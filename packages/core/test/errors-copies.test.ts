import { describe, expect, it, vi } from 'vitest';
import { CallFlowError, isCallFlowError } from '../src/index.js';

// A program can hold two copies of the errors module: a lazily loaded chunk bundles its own (dist/cjs/diagnostics.js),
// and a bundler may include both the ES module and the CommonJS build. `instanceof` must not depend on which copy made
// the error.

describe('CallFlowError across copies of the module', () => {
  it('is instanceof either copy of the class, and a plain Error is not', async () => {
    vi.resetModules();
    // The query string makes the module loader evaluate errors.ts again: a second copy, as a chunk has.
    const secondCopy = '../src/errors.js?copy';
    const other = (await import(/* @vite-ignore */ secondCopy)) as typeof import('../src/errors.js');
    expect(other.CallFlowError).not.toBe(CallFlowError);
    const fromOther = new other.CallFlowError('invalid-flow', 'made by the other copy');
    const fromThis = new CallFlowError('missing-package', 'made by this copy');
    expect(fromOther instanceof CallFlowError).toBe(true);
    expect(fromThis instanceof other.CallFlowError).toBe(true);
    expect(isCallFlowError(fromOther, 'invalid-flow')).toBe(true);
    expect(new Error('plain') instanceof CallFlowError).toBe(false);
    expect({ code: 'invalid-flow' } instanceof CallFlowError).toBe(false);
    expect(fromOther).toBeInstanceOf(Error);
  });
});
