import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import twilio from 'twilio';
import { createEngine } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { computeTwilioSignature, createTwilioHandler, renderTwiml } from '@callflow/twilio';
import { medianMicros, medianMicrosSync, type BenchRow, twilioMenuPress } from './harness.js';

const secret = 'bench-secret-0123456789abcdef';
const authToken = 'bench-twilio-auth-token-0123456789';
const actionUrl = 'https://ivr.example.com/voice';
const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
const root = fileURLToPath(new URL('..', import.meta.url));

/** Milliseconds to import a module in a fresh node process, median of `runs`. */
function importMillis(statement: string, runs = 5): number {
  const script = `const started = performance.now(); ${statement}; console.log(performance.now() - started);`;
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); ${script}`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`import bench failed: ${result.stderr}`);
    samples.push(Number(result.stdout.trim().split('\n').at(-1)));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** TwiML rendering of the phone-tree menu turn vs the twilio SDK's VoiceResponse, one whole webhook, and import time. */
export async function run(): Promise<BenchRow[]> {
  const engine = createEngine(phoneTree, { secret });
  const menu = await engine.start(call);
  const url = `${actionUrl}?t=${menu.token}`;
  const say = { voice: 'woman', language: 'en-US' } as const;

  // The same document the seed way: the SDK's builder (xmlbuilder underneath).
  const sdk = () => {
    const response = new twilio.twiml.VoiceResponse();
    response.say(say, 'Hello, and welcome to ACME, Inc.');
    const gather = response.gather({ input: ['dtmf'], action: url, method: 'POST', actionOnEmptyResult: true, timeout: 5, numDigits: 1 });
    gather.say(
      say,
      'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
    );
    response.redirect({ method: 'POST' }, url);
    return response.toString();
  };
  const ours = () => renderTwiml(menu, { actionUrl });
  if (ours().length !== sdk().length) throw new Error('bench documents differ; the comparison would be unfair');
  const rows: BenchRow[] = [];
  const ourMicros = medianMicrosSync(ours, { batch: 5000 });
  const sdkMicros = medianMicrosSync(sdk, { batch: 1000 });
  rows.push({
    name: 'twilio: render menu turn → TwiML',
    value: ourMicros,
    unit: 'µs/op',
    baseline: sdkMicros,
    baselineName: 'twilio VoiceResponse.toString()',
    target: '≥10x faster',
  });

  // One whole webhook: signature check (WebCrypto HMAC-SHA1), form parse, token verify, resume, render.
  const handler = createTwilioHandler({ flow: phoneTree, secret, authToken, publicBaseUrl: actionUrl });
  const params = twilioMenuPress(call.callId, call.from, call.to);
  const signature = await computeTwilioSignature(authToken, url, params);
  const body = new URLSearchParams(params).toString();
  const request = () =>
    new Request(`http://127.0.0.1:3000/voice?t=${menu.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body,
    });
  const check = await handler(request());
  if (check.status !== 200 || !(await check.text()).includes('We are open')) throw new Error('bench webhook did not reach the hours node');
  const webhookMicros = await medianMicros(
    async () => {
      const response = await handler(request());
      await response.text();
    },
    { batch: 200, rounds: 15, warmup: 400 },
  );
  rows.push({
    name: 'twilio: one action webhook in-process (verify, parse, resume, render)',
    value: webhookMicros,
    unit: 'µs/op',
    note: 'includes building the Request',
  });

  // Import cost in a fresh process: the built package (dist) vs the SDK.
  if (!existsSync(`${root}packages/twilio/dist/index.js`) || !existsSync(`${root}packages/core/dist/index.js`)) {
    execFileSync('npx', ['tsup'], { cwd: `${root}packages/core`, stdio: 'ignore' });
    execFileSync('npx', ['tsup'], { cwd: `${root}packages/twilio`, stdio: 'ignore' });
  }
  const oursMs = importMillis(`await import('@callflow/twilio')`);
  const sdkMs = importMillis(`require('twilio')`);
  rows.push({
    name: 'twilio: import @callflow/twilio (built, with core) in a fresh process',
    value: oursMs,
    unit: 'ms',
    baseline: sdkMs,
    baselineName: "require('twilio')",
    target: '≤1/5 of the SDK',
    note: 'median of 5 fresh node processes',
  });
  return rows;
}
