import { Input, NCCOBuilder, Talk } from '@vonage/voice';
import { createEngine } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { createVonageHandler, renderNcco, signVonageRequest, stringifyNcco } from '@callflow/vonage';
import { medianMicros, medianMicrosSync, type BenchRow, vonageMenuPress } from './harness.js';

const secret = 'bench-secret-0123456789abcdef';
const signatureSecret = 'bench-vonage-signature-secret';
const eventUrl = 'https://ivr.example.com/vonage';
const call = { callId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', from: '447700900001', to: '447700900000', provider: 'vonage' };

/** NCCO rendering of the phone-tree menu turn vs @vonage/voice's NCCOBuilder, and one whole input webhook in-process. */
export async function run(): Promise<BenchRow[]> {
  const engine = createEngine(phoneTree, { secret });
  const menu = await engine.start(call);

  // The same NCCO the seed way: builder classes, then JSON. The callback URL carries this turn's token, so it is built per turn too.
  const sdk = () =>
    JSON.stringify(
      new NCCOBuilder()
        .addAction(new Talk('Hello, and welcome to ACME, Inc.', false, undefined, undefined, 'en-US'))
        .addAction(
          new Talk(
            'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
            true,
            undefined,
            undefined,
            'en-US',
          ),
        )
        .addAction(
          new Input(
            { maxDigits: 1, timeOut: 5, submitOnHash: true },
            undefined,
            `${eventUrl}/input?t=${menu.token}&call=${call.callId}`,
            'POST',
          ),
        )
        .build(),
    );
  const ours = () => stringifyNcco(renderNcco(menu, { eventUrl }).output);
  if (ours() !== sdk()) throw new Error('bench documents differ; the comparison would be unfair');
  const [ourMicros, sdkMicros] = alternatingMedians([ours, sdk], { batch: 1000, rounds: 41 });
  const rows: BenchRow[] = [];
  rows.push({
    name: 'vonage: render menu turn → NCCO JSON',
    value: ourMicros!,
    unit: 'µs/op',
    baseline: sdkMicros,
    baselineName: '@vonage/voice NCCOBuilder + JSON.stringify',
    target: 'no slower',
    note: 'renderNcco (checks Vonage limits too) + stringifyNcco (the bytes of JSON.stringify), as the handler answers',
  });

  // One whole webhook: verify the JWT + payload_hash, parse, resume the engine, render, answer (a fresh call each time,
  // answered through the handler first, unmeasured, as Vonage's answer_url request records it in production).
  const handler = createVonageHandler({ flow: phoneTree, secret, publicBaseUrl: eventUrl, signatureSecret });
  let counter = 0;
  const prepared: Array<{ request: Request }> = [];
  const prepare = async () => {
    const callId = `call-${counter++}`;
    const answer = await signVonageRequest({
      url: `${eventUrl}/answer?to=${call.to}&from=${call.from}&uuid=${callId}`,
      method: 'GET',
      signatureSecret,
    });
    const ncco = (await (await handler(answer)).json()) as Array<{ action: string; eventUrl?: string[] }>;
    const url = ncco.find((action) => action.action === 'input')?.eventUrl?.[0];
    if (!url) throw new Error('vonage bench: the answer NCCO has no input');
    return { request: await signVonageRequest({ url, body: vonageMenuPress(callId), signatureSecret }) };
  };
  for (let index = 0; index < 4000; index++) prepared.push(await prepare());
  let next = 0;
  const webhookMicros = await medianMicros(
    async () => {
      const response = await handler(prepared[next++ % prepared.length]!.request.clone());
      await response.text();
    },
    { batch: 200, rounds: 15, warmup: 200 },
  );
  rows.push({
    name: 'vonage: one input webhook in-process (verify, parse, resume, render)',
    value: webhookMicros,
    unit: 'µs/op',
    note: 'memory store; each call answered through the handler first; Request and Response objects (the fetch form)',
  });
  return rows;
}

/** Median µs per call of each function, measured in alternating rounds so that drift on a shared machine falls on every side alike. */
function alternatingMedians(fns: ReadonlyArray<() => unknown>, options: { batch: number; rounds: number }): number[] {
  for (const fn of fns) medianMicrosSync(fn, { batch: options.batch, rounds: 1 });
  const samples = fns.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    for (let step = 0; step < fns.length; step++) {
      const index = round % 2 === 0 ? step : fns.length - 1 - step;
      samples[index]!.push(medianMicrosSync(fns[index]!, { batch: options.batch, rounds: 1, warmup: 0 }));
    }
  }
  return samples.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!);
}
