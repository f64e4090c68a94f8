import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Flow } from '@callflow/core';
import { validateNcco } from '@callflow/testing';

// The transfer step (src/vonage-transfer-chunk.ts) and the record and conference steps (src/vonage-record-conference-chunk.ts)
// render from chunks of their own: a handler loads one when its flow has the step, and a dynamic node's at the first
// turn that waits in it. Each test starts from a fresh module state (no chunk loaded), so the call's first webhook races
// the load the handler started, or (a dynamic node) starts it.

const signatureSecret = 'step-chunks-signature-secret';
const secret = 'step-chunks-test-secret-0123456789';
const base = 'https://ivr.example.com/vonage';

type Action = Record<string, unknown> & { action: string };

async function rig(
  makeFlow: (core: typeof import('@callflow/core')) => Flow,
  logger?: { info(): void; warn(): void; error(): void },
  voiceClient?: { voice: { hangupCall(uuid: string): Promise<void> } },
) {
  vi.resetModules();
  const vonage = await import('../src/index.js');
  const core = await import('@callflow/core');
  const handler = vonage.createVonageHandler({
    flow: makeFlow(core),
    secret,
    publicBaseUrl: base,
    signatureSecret,
    store: core.createMemoryStore(),
    ...(logger ? { logger } : {}),
    ...(voiceClient ? { voiceClient: voiceClient as never } : {}),
  });
  const send = async (url: string, body?: unknown) =>
    handler(await vonage.signVonageRequest({ ...(body === undefined ? { url, method: 'GET' } : { url, body }), signatureSecret }));
  const answer = (uuid: string) => send(`${base}/answer?to=447700900000&from=447700900001&uuid=${uuid}&conversation_uuid=CON-${uuid}`);
  return { vonage, core, handler, send, answer };
}

async function nccoOf(response: Response): Promise<Action[]> {
  expect(response.status).toBe(200);
  const ncco = (await response.json()) as Action[];
  expect(validateNcco(ncco)).toEqual([]);
  return ncco;
}

describe('the Vonage transfer, record and conference chunks, from a cold start', () => {
  afterEach(() => {
    vi.doUnmock('../src/vonage-transfer-chunk.js');
    vi.resetModules();
  });

  it('a flow that starts with a transfer: its first webhook answers the connect, and its notify goes on', async () => {
    const { send, answer } = await rig((core) =>
      core.defineFlow({
        name: 'transfer-first',
        start: 'main',
        nodes: { main: [core.say('Connecting you.'), core.transfer('+447700900123', { then: 'bye' })], bye: [core.say('Bye.')] },
      }),
    );
    const ncco = await nccoOf(await answer('call-transfer'));
    expect(ncco.map((action) => action.action)).toEqual(['talk', 'connect', 'notify']);
    expect(ncco[1]).toMatchObject({ endpoint: [{ type: 'phone', number: '447700900123' }], eventType: 'synchronous' });
    const notify = ncco[2]!;
    const after = await nccoOf(await send((notify.eventUrl as string[])[0]!, notify.payload));
    expect(after).toEqual([{ action: 'talk', text: 'Bye.' }]);
  });

  it('a screened transfer: the called party’s webhooks answer its screening prompt and hang up a decline', async () => {
    const hungUp: string[] = [];
    const voiceClient = { voice: { hangupCall: async (uuid: string) => void hungUp.push(uuid) } };
    const { send, answer } = await rig(
      (core) =>
        core.defineFlow({
          name: 'screened',
          start: 'main',
          nodes: {
            main: [core.transfer('+447700900123', { screen: { prompt: [core.say('Press 1 to accept.')] }, then: 'bye' })],
            bye: [core.hangup()],
          },
        }),
      undefined,
      voiceClient,
    );
    const ncco = await nccoOf(await answer('call-screen'));
    expect(ncco.map((action) => action.action)).toEqual(['connect', 'notify']);
    const endpoint = (ncco[0]!.endpoint as Array<{ onAnswer?: { url: string } }>)[0]!;
    const calleeUrl = new URL(endpoint.onAnswer!.url);
    calleeUrl.searchParams.set('uuid', 'leg-screen');
    const calleeNcco = await nccoOf(await send(calleeUrl.href));
    expect(calleeNcco.map((action) => action.action)).toEqual(['talk', 'input']);
    expect(calleeNcco[0]).toMatchObject({ text: 'Press 1 to accept.', bargeIn: true });
    const declined = await send((calleeNcco[1]!.eventUrl as string[])[0]!, { uuid: 'leg-screen', dtmf: { digits: '2', timed_out: false } });
    expect(declined.status).toBeLessThan(300);
    expect(hungUp).toEqual(['leg-screen']);
  });

  it('a record step and a conference step: each first webhook renders from the record and conference chunk', async () => {
    const { answer, send } = await rig((core) =>
      core.defineFlow({
        name: 'record-then-room',
        start: 'main',
        nodes: {
          main: [core.record({ maxSeconds: 60, then: 'room' })],
          room: [core.conference('team-room', { then: 'bye' })],
          bye: [core.hangup()],
        },
      }),
    );
    const ncco = await nccoOf(await answer('call-record'));
    expect(ncco.map((action) => action.action)).toEqual(['record', 'notify']);
    expect(ncco[0]).toMatchObject({ format: 'mp3', timeOut: 60, endOnSilence: 5, beepStart: true });
    const recordUrl = new URL((ncco[0]!.eventUrl as string[])[0]!);
    const recorded = await send(recordUrl.href, {
      recording_url: 'https://api.nexmo.com/v1/files/rec-1',
      recording_uuid: 'rec-1',
      uuid: 'call-record',
      conversation_uuid: 'CON-call-record',
      size: 1000,
    });
    expect(recorded.status).toBeLessThan(300);
    const notify = ncco[1]!;
    const room = await nccoOf(await send((notify.eventUrl as string[])[0]!, notify.payload));
    expect(room.map((action) => action.action)).toEqual(['conversation', 'notify']);
    expect(room[0]).toMatchObject({ name: 'team-room', startOnEnter: true, endOnExit: false });
  });

  it('a dynamic node that transfers: the chunk loads at the turn that needs it', async () => {
    const { answer } = await rig((core) =>
      core.defineFlow({
        name: 'dynamic-transfer',
        start: 'main',
        nodes: { main: () => [core.transfer('+447700900456', { then: 'bye' })], bye: [core.hangup()] },
      }),
    );
    const ncco = await nccoOf(await answer('call-dynamic'));
    expect(ncco.map((action) => action.action)).toEqual(['connect', 'notify']);
    expect(ncco[0]).toMatchObject({ endpoint: [{ type: 'phone', number: '447700900456' }] });
  });

  it('a transfer chunk that cannot load: the webhook is answered 503, so Vonage retries, and the retry renders once it loads', async () => {
    vi.doMock('../src/vonage-transfer-chunk.js', () => {
      throw new Error('chunk missing');
    });
    const quiet = { info() {}, warn() {}, error() {} };
    const { answer } = await rig(
      (core) =>
        core.defineFlow({
          name: 'transfer-broken',
          start: 'main',
          nodes: { main: [core.transfer('+447700900123', { then: 'bye' })], bye: [core.hangup()] },
        }),
      quiet,
    );
    expect((await answer('call-broken')).status).toBe(503);
    vi.doUnmock('../src/vonage-transfer-chunk.js');
    const ncco = await nccoOf(await answer('call-broken'));
    expect(ncco.map((action) => action.action)).toEqual(['connect', 'notify']);
  });
});
