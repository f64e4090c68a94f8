import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../src/demo.ts', import.meta.url));

function runDemo(args: string[], stdin: string): Promise<{ code: number | null; stdout: string }> {
  const child = execFile(process.execPath, ['--import', 'tsx', demo, ...args]);
  let stdout = '';
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  child.stdin!.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })));
}

describe('npm start: the demo', () => {
  it('without a terminal, calls the phone tree on all three providers and shows they match', async () => {
    const { code, stdout } = await runDemo([], '');
    expect(code).toBe(0);
    for (const name of ['Twilio (TwiML)', 'Vonage (NCCO)', 'Telnyx (Call Control commands)']) expect(stdout).toContain(`── ${name}`);
    expect(stdout.match(/🔊 Thank you for your message\. Goodbye\./g)).toHaveLength(3);
    expect(stdout).toContain('The caller heard exactly the same call on all three providers.');
  });

  it('lets a person call from the terminal: choose a provider, press keys, hang up, quit', async () => {
    const { code, stdout } = await runDemo(['--interactive'], '2\n3\n5\nh\nq\n');
    expect(code).toBe(0);
    expect(stdout).toContain('Calling ACME on Vonage (NCCO)');
    const afterCall = stdout.slice(stdout.indexOf('Calling ACME'));
    expect(afterCall.indexOf('☎  pressed 3')).toBeGreaterThan(0);
    expect(afterCall.indexOf('🔊 We are open Monday to Friday')).toBeGreaterThan(afterCall.indexOf('☎  pressed 3'));
    expect(afterCall.indexOf('☎  pressed 5')).toBeGreaterThan(afterCall.indexOf('🔊 We are open Monday to Friday'));
    expect(afterCall).toContain('📴 you hung up');
    expect(afterCall).toMatch(/\(\d+ webhooks; ended by caller\)/);
  });
});
