import type { FetchHandler, ReplyHandler, WebhookRequest } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { bridgeRequest, interleavedMicros, type BenchRow, twilioMenuPress, vonageMenuPress } from './harness.js';

type Core = typeof import('@callflow/core');
type Twilio = typeof import('@callflow/twilio');
type Vonage = typeof import('@callflow/vonage');

/** The packages as this process resolves them: the builds under `npm run bench` (it builds first and runs tsx with tsconfig.base.json, which maps no package to its source), the source under tsx with the root tsconfig. */
async function loadedPackages(): Promise<{ core: Core; twilio: Twilio; vonage: Vonage }> {
  const [core, twilio, vonage] = await Promise.all([import('@callflow/core'), import('@callflow/twilio'), import('@callflow/vonage')]);
  return { core, twilio, vonage };
}

const secret = 'bench-secret-0123456789abcdef';
const authToken = 'bench-twilio-auth-token-0123456789';
const signatureSecret = 'bench-vonage-signature-secret';
const twilioUrl = 'https://ivr.example.com/voice';
const vonageUrl = 'https://ivr.example.com/vonage';

/** A prepared webhook: what the node:http bridge hands the reply handler (headers read in place, the body's bytes). */
interface PreparedWebhook {
  path: string;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

/** A delivery's headers as the node:http bridge reads them (in place, by lower-case name), built once per delivery. */
function headerReader(headers: Record<string, string>): WebhookRequest['headers'] {
  return { get: (name) => headers[name.toLowerCase()] ?? null, has: (name) => name.toLowerCase() in headers };
}

/** What the node:http bridge hands the reply handler: a new object per request, with no closures made per request. */
class PreparedRequest implements WebhookRequest {
  readonly method = 'POST';
  constructor(
    readonly url: string,
    readonly headers: WebhookRequest['headers'],
    private readonly bytes: Uint8Array,
  ) {}
  async text(): Promise<string> {
    return new TextDecoder().decode(this.bytes);
  }
  async readBytes(): Promise<Uint8Array> {
    return this.bytes;
  }
}

/** A request maker for one prepared delivery. */
function webhookRequest({ path, headers, bytes }: PreparedWebhook): () => PreparedRequest {
  const url = `http://127.0.0.1:3000${path}`;
  const reader = headerReader(headers);
  return () => new PreparedRequest(url, reader, bytes);
}

function replyHandler(core: Core, handler: FetchHandler): ReplyHandler {
  const handle = core.replyHandlerOf(handler);
  if (!handle) throw new Error('the handler has no reply form');
  return handle;
}

/** The Twilio menu press (3 → the hours turn) as one repeated signed request: the handler is stateless. */
export async function twilioReplyWebhook(): Promise<() => Promise<void>> {
  const { core, twilio } = await loadedPackages();
  const handle = replyHandler(core, twilio.createTwilioHandler({ flow: phoneTree, secret, authToken, publicBaseUrl: twilioUrl }));
  const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
  const menu = await core.createEngine(phoneTree, { secret }).start(call);
  const params = twilioMenuPress(call.callId, call.from, call.to);
  const query = `t=${menu.token!}`;
  const prepared = {
    path: `/voice?${query}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': await twilio.computeTwilioSignature(authToken, `${twilioUrl}?${query}`, params),
    },
    bytes: new TextEncoder().encode(new URLSearchParams(params).toString()),
  };
  const request = webhookRequest(prepared);
  const check = await handle(request());
  if (check.status !== 200 || !check.body?.includes('We are open'))
    throw new Error(`twilio reply path did not reach the hours node: ${check.status}`);
  return async () => {
    const reply = await handle(request());
    if (reply.status !== 200) throw new Error(`twilio reply path answered ${reply.status}`);
  };
}

/**
 * The Vonage menu press (digit 3 → the hours turn) for `calls` distinct calls, memory store unless given. Each call is
 * first answered through the handler (its answer webhook records the call and its position, as in production), so every
 * press is a first delivery at a recorded position: one store claim and one commit, the path a real menu press takes (a
 * press for a call the store has never seen takes a second claim). Shared with the state suite.
 */
export async function vonageReplyWebhook(
  calls: number,
  options: { store?: Parameters<Vonage['createVonageHandler']>[0]['store'] } = {},
): Promise<() => Promise<void>> {
  const { core, vonage } = await loadedPackages();
  const handle = replyHandler(
    core,
    vonage.createVonageHandler({ flow: phoneTree, secret, signatureSecret, publicBaseUrl: vonageUrl, store: options.store }),
  );
  const pool: Array<() => PreparedRequest> = [];
  for (let index = 0; index < calls; index += 50) {
    const answered = await Promise.all(
      Array.from({ length: Math.min(50, calls - index) }, async (_, offset) => {
        const callId = `aaaaaaaa-bbbb-4ccc-8ddd-${String(index + offset).padStart(12, '0')}`;
        const answer = await vonage.signVonageRequest({
          url: `${vonageUrl}/answer?to=447700900000&from=447700900001&uuid=${callId}`,
          method: 'GET',
          signatureSecret,
        });
        const answerUrl = new URL(answer.url);
        const headers = { authorization: answer.headers.get('authorization')! };
        const reply = await handle(bridgeRequest(answerUrl.pathname + answerUrl.search, 'GET', headers, new Uint8Array()));
        const ncco = JSON.parse(reply.body ?? '[]') as Array<{ action: string; eventUrl?: string[] }>;
        const input = ncco.find((action) => action.action === 'input')?.eventUrl?.[0];
        if (reply.status !== 200 || !input) throw new Error(`vonage reply path: the answer webhook answered ${reply.status}`);
        const press = await vonage.signVonageRequest({ url: input, body: vonageMenuPress(callId), signatureSecret });
        const url = new URL(press.url);
        return webhookRequest({
          path: url.pathname + url.search,
          headers: { 'content-type': 'application/json', authorization: press.headers.get('authorization')! },
          bytes: new Uint8Array(await press.arrayBuffer()),
        });
      }),
    );
    pool.push(...answered);
  }
  let next = 0;
  const one = async () => {
    if (next >= pool.length) throw new Error(`vonage reply path ran out of distinct calls (${pool.length})`);
    const reply = await handle(pool[next++]!());
    if (reply.status !== 200 || !reply.body?.includes('"input"')) throw new Error(`vonage reply path answered ${reply.status}`);
  };
  return one;
}

/** Rounds and batch of the reply-path measurements; the Vonage pool is sized from them (one distinct call per request). */
const batch = 500;
const rounds = 30;
const warmup = 1_500;

/** The Twilio and Vonage menu webhook through the reply form (what toNodeListener and toLambdaHandler call), in-process. */
export async function run(): Promise<BenchRow[]> {
  const twilio = await twilioReplyWebhook();
  const vonage = await vonageReplyWebhook(warmup + batch * rounds + 10);
  const [twilioMicros, vonageMicros] = await interleavedMicros([twilio, vonage], { batch, rounds, warmup });
  return [
    {
      name: 'reply path twilio: menu webhook in-process (signature, form, token, resume, TwiML; no Request/Response)',
      value: twilioMicros!.min,
      unit: 'µs/op',
      target: '≤15 µs',
      note: `fastest of ${rounds} batches of ${batch}, alternating with Vonage; median ${twilioMicros!.median.toFixed(1)} µs`,
    },
    {
      name: 'reply path vonage: menu webhook in-process (JWT + payload_hash, memory store, resume, NCCO)',
      value: vonageMicros!.min,
      unit: 'µs/op',
      note: `a distinct call per request, each answered through the handler first (unmeasured); fastest of ${rounds} batches of ${batch}; median ${vonageMicros!.median.toFixed(1)} µs`,
    },
  ];
}
