import { describe, expect, it } from 'vitest';
import { createMemoryStore, defineFlow, enqueue, hangup, say, type Store } from '@callflow/core';
import { createVonageEmulator, createVonageRestClient, simulateCall, validateNcco } from '@callflow/testing';
import { createVonageHandler, listQueue, removeFromQueue, signVonageRequest, vonageCapabilities } from '@callflow/vonage';
import { serve } from './serve.js';

// The hold loop: a queue with a repeated announcement, an escape key or a longest wait waits in stretches of one play of
// the music ending in a break (input or notify), whose webhook answers the next stretch, the escape route or the timeout.

const signatureSecret = 'hold-loop-signature-secret';
const secret = 'hold-loop-test-secret-0123456789';
const base = 'https://ivr.example.com/vonage';
const hold = 'https://audio.example.com/hold.mp3';

type Action = Record<string, unknown> & { action: string };

function rig(options: { withMedia?: boolean } = {}) {
  const flow = defineFlow({
    name: 'hold-loop',
    start: 'main',
    nodes: {
      main: [
        ...(options.withMedia ? [say('Please hold.')] : []),
        enqueue('support', {
          holdMusic: hold,
          announce: { template: 'You are number {position} in line.', everySeconds: 60 },
          escape: { digit: '0', to: 'away' },
          maxWaitSeconds: 300,
          onTimeout: 'late',
          then: 'bye',
        }),
      ],
      away: [say('You left the queue.'), hangup()],
      late: [say('Nobody is free.'), hangup()],
      bye: [say('Goodbye.')],
    },
  });
  const clock = { ms: Date.parse('2026-11-24T10:00:00Z') };
  const store: Store = createMemoryStore({ now: () => clock.ms });
  const handler = createVonageHandler({ flow, secret, publicBaseUrl: base, signatureSecret, store, now: () => clock.ms });
  const sign = (request: { url: string; method?: 'GET' | 'POST'; body?: unknown }) =>
    signVonageRequest({ ...request, signatureSecret, issuedAt: Math.floor(clock.ms / 1000) });
  const answer = async (uuid: string) => {
    const response = await handler(
      await sign({ url: `${base}/answer?to=447700900000&from=447700900001&uuid=${uuid}&conversation_uuid=CON-${uuid}`, method: 'GET' }),
    );
    return (await response.json()) as Action[];
  };
  const breakOf = (ncco: Action[]) => ncco.find((action) => action.action === 'input' || action.action === 'notify')!;
  /** Sends the break's webhook as Vonage would: the input result, or the notify payload. */
  const atBreak = async (ncco: Action[], digits?: string) => {
    const action = breakOf(ncco);
    const url = (action.eventUrl as string[])[0]!;
    const uuid = new URL(url).searchParams.get('call')!;
    const body =
      action.action === 'input'
        ? {
            uuid,
            conversation_uuid: `CON-${uuid}`,
            timestamp: new Date(clock.ms).toISOString(),
            dtmf: { digits: digits ?? '', timed_out: digits === undefined },
          }
        : action.payload;
    return handler(await sign({ url, body }));
  };
  const next = async (ncco: Action[], digits?: string) => (await (await atBreak(ncco, digits)).json()) as Action[];
  const texts = (ncco: Action[]) => ncco.flatMap((action) => (action.action === 'talk' ? [action.text] : []));
  return { handler, store, clock, answer, atBreak, next, texts, breakOf };
}

describe('the Vonage hold loop', () => {
  it('is what the capabilities promise: no queue option is refused any more', () => {
    expect(vonageCapabilities.enqueue.support).toBe('emulated');
    expect(vonageCapabilities.enqueue.unsupported ?? []).toEqual([]);
  });

  it('renders each stretch as Vonage documents it: bargeIn music, then a one-digit input that the emulator validates', async () => {
    const { answer } = rig();
    const first = await answer('call-a');
    expect(validateNcco(first)).toEqual([]);
    expect(first).toEqual([
      { action: 'talk', text: 'You are number 1 in line.', bargeIn: true },
      { action: 'stream', streamUrl: [hold], bargeIn: true },
      {
        action: 'input',
        type: ['dtmf'],
        dtmf: { maxDigits: 1, timeOut: 1, submitOnHash: false },
        eventUrl: [expect.stringMatching(/^https:\/\/ivr\.example\.com\/vonage\/input\?t=[\w.-]+&call=call-a&hold=support&n=1&a=0$/)],
        eventMethod: 'POST',
      },
    ]);
  });

  it('announces again at the first break a minute or more after the last one, with the place from the store', async () => {
    const { answer, next, texts, clock } = rig();
    await answer('ahead');
    let ncco = await answer('call-b');
    expect(texts(ncco)).toEqual(['You are number 2 in line.']);
    clock.ms += 31_000;
    ncco = await next(ncco);
    expect(texts(ncco)).toEqual([]);
    expect(ncco.at(-1)!.eventUrl).toEqual([expect.stringContaining('&n=2&a=0')]);
    clock.ms += 31_000;
    ncco = await next(ncco);
    expect(texts(ncco)).toEqual(['You are number 2 in line.']);
    expect(ncco.at(-1)!.eventUrl).toEqual([expect.stringContaining('&n=3&a=62')]);
  });

  it('a redelivered break gets the same NCCO, even when the clock says an announcement would now be due', async () => {
    const { answer, handler, clock, breakOf } = rig();
    const first = await answer('call-c');
    clock.ms += 31_000;
    const url = (breakOf(first).eventUrl as string[])[0]!;
    // Vonage's retry of a webhook: the same URL and body, a new JWT.
    const body = {
      uuid: 'call-c',
      conversation_uuid: 'CON-call-c',
      timestamp: new Date(clock.ms).toISOString(),
      dtmf: { digits: '', timed_out: true },
    };
    const once = await (
      await handler(await signVonageRequest({ url, body, signatureSecret, issuedAt: Math.floor(clock.ms / 1000) }))
    ).json();
    expect(once).toEqual([expect.objectContaining({ action: 'stream' }), expect.objectContaining({ action: 'input' })]);
    clock.ms += 60_000;
    const again = await (
      await handler(await signVonageRequest({ url, body, signatureSecret, issuedAt: Math.floor(clock.ms / 1000) }))
    ).json();
    expect(again).toEqual(once);
  });

  it('the escape key leaves the queue for the escape route; another key keeps the caller waiting', async () => {
    const { answer, next, texts, store } = rig();
    const first = await answer('call-d');
    const other = await next(first, '5');
    expect(other.map((action) => action.action)).toEqual(['stream', 'input']);
    expect((await listQueue(store, 'support')).map((caller) => caller.callId)).toEqual(['call-d']);
    const escaped = await next(other, '0');
    expect(texts(escaped)).toEqual(['You left the queue.']);
    expect(await listQueue(store, 'support')).toEqual([]);
  });

  it('once maxWaitSeconds have passed, the next break goes to onTimeout and the caller leaves the queue', async () => {
    const { answer, next, texts, store, clock } = rig();
    const first = await answer('call-e');
    clock.ms += 299_000;
    const waiting = await next(first);
    expect(waiting.map((action) => action.action)).toEqual(['talk', 'stream', 'input']);
    clock.ms += 2_000;
    expect(texts(await next(waiting))).toEqual(['Nobody is free.']);
    expect(await listQueue(store, 'support')).toEqual([]);
  });

  it('after media of the same turn the first break comes alone, and the wait starts there', async () => {
    const { answer, next, texts, clock, store } = rig({ withMedia: true });
    const first = await answer('call-f');
    expect(first).toEqual([
      { action: 'talk', text: 'Please hold.' },
      {
        action: 'notify',
        payload: { after: 'hold', segment: '0' },
        eventUrl: [expect.stringContaining('/notify?t=')],
        eventMethod: 'POST',
      },
    ]);
    expect(validateNcco(first)).toEqual([]);
    clock.ms += 299_000;
    const stretch = await next(first);
    expect(texts(stretch)).toEqual(['You are number 1 in line.']);
    expect(stretch.at(-1)!.eventUrl).toEqual([expect.stringContaining('&n=1&a=0')]);
    // The 299 s before the n=0 break do not count: the wait restarted there.
    clock.ms += 2_000;
    expect((await next(stretch)).map((action) => action.action)).toEqual(['stream', 'input']);
    expect(await listQueue(store, 'support')).toHaveLength(1);
  });

  it('a break for a caller no longer in the queue (moved by REST meanwhile) is answered with nothing', async () => {
    const { answer, atBreak, store } = rig();
    const first = await answer('call-g');
    expect(await removeFromQueue(store, 'call-g')).toBe('support');
    const response = await atBreak(first);
    expect(response.status).toBe(204);
  });

  it('in a dynamic node (whose step a break cannot re-read) the caller waits in the conversation, with a warning', async () => {
    const warnings: string[] = [];
    const flow = defineFlow({
      name: 'dynamic-hold',
      start: 'main',
      nodes: { main: () => [enqueue('support', { holdMusic: hold, escape: { digit: '0', to: 'bye' } })], bye: [say('Goodbye.')] },
    });
    const logger = { info: (message: string) => void warnings.push(message), warn: () => {}, error: () => {} };
    const handler = createVonageHandler({ flow, secret, publicBaseUrl: base, signatureSecret, logger });
    const response = await handler(
      await signVonageRequest({
        url: `${base}/answer?to=447700900000&from=447700900001&uuid=call-h&conversation_uuid=CON-h`,
        signatureSecret,
      }),
    );
    const ncco = (await response.json()) as Action[];
    expect(ncco.map((action) => action.action)).toEqual(['conversation', 'notify']);
    expect(warnings.join('\n')).toContain('in a dynamic node the wait on Vonage is a conversation');
  });
});

describe('an agent for a caller in the hold loop, on the Vonage emulator', () => {
  it('a REST transfer to an agent who does not answer puts the caller back in the loop, at the front; the next agent takes them', async () => {
    const flow = defineFlow({
      name: 'hold-loop-agent',
      start: 'main',
      nodes: {
        main: [enqueue('support', { holdMusic: hold, escape: { digit: '0', to: 'bye' }, then: 'bye' })],
        bye: [say('Goodbye.')],
      },
    });
    let handler: ReturnType<typeof createVonageHandler> | undefined;
    const server = await serve((request) => handler!(request));
    const publicBaseUrl = `${server.url}/vonage`;
    const vonage = await createVonageEmulator({
      answerUrl: `${publicBaseUrl}/answer`,
      eventUrl: `${publicBaseUrl}/event`,
      signatureSecret,
      advanceClock: true,
      // The first free agent does not answer (scripted below); the second agent is taken into the caller's room.
      onAgentFree: async ({ queue }) => {
        const first = (await handler!.queuedCallers(queue)).length === 1 && agents++ === 0;
        await handler!.connectNextCaller(queue, first ? { to: '+447700900123' } : { room: true });
      },
    });
    let agents = 0;
    handler = createVonageHandler({
      flow,
      secret,
      publicBaseUrl,
      signatureSecret,
      now: vonage.now,
      voiceClient: createVonageRestClient(vonage.apiUrl),
    });
    try {
      const transcript = await vonage.call({
        transfers: ['no-answer'],
        queues: [
          { result: 'bridged', waitSeconds: 20 },
          { result: 'bridged', waitSeconds: 50 },
        ],
      });
      expect(transcript.errors).toEqual([]);
      expect(transcript.entries).toEqual([
        // The input after each play listens its one-second timeOut: silence, before the break where the agent comes.
        { type: 'play', url: hold },
        { type: 'pause', seconds: 1 },
        { type: 'enqueue', queue: 'support', result: 'bridged' },
        { type: 'transfer', to: '+447700900123', status: 'no-answer' },
        { type: 'play', url: hold },
        { type: 'pause', seconds: 1 },
        { type: 'play', url: hold },
        { type: 'pause', seconds: 1 },
        { type: 'enqueue', queue: 'support', result: 'bridged' },
        { type: 'say', text: 'Goodbye.' },
        { type: 'hangup', by: 'flow' },
      ]);
      // Back on hold after the unanswered agent: the loop's first stretch again, then the room for the second agent.
      expect(vonage.nccos.map((ncco) => (ncco as Action[]).map((action) => action.action).join('+'))).toEqual([
        'stream+input',
        'connect+notify',
        'stream+input',
        'stream+input',
        'conversation+notify',
        'talk',
      ]);
      expect(await handler.queuedCallers('support')).toEqual([]);
    } finally {
      await vonage.close();
      await server.close();
    }
  });
});

describe('a hold break for a call that moved on', () => {
  it('is answered with nothing once the call left the queue by the escape key (a late redelivery of an older break)', async () => {
    const flow = defineFlow({
      name: 'late-break',
      start: 'main',
      nodes: {
        main: [enqueue('support', { holdMusic: hold, escape: { digit: '0', to: 'away' } })],
        away: [say('Bye.'), hangup()],
      },
    });
    const handler = createVonageHandler({ flow, secret, publicBaseUrl: base, signatureSecret });
    const first = (await (
      await handler(
        await signVonageRequest({
          url: `${base}/answer?to=447700900000&from=447700900001&uuid=call-i&conversation_uuid=CON-i`,
          signatureSecret,
        }),
      )
    ).json()) as Action[];
    const url = ((first.at(-1) as Action).eventUrl as string[])[0]!;
    const pressed = {
      uuid: 'call-i',
      conversation_uuid: 'CON-i',
      timestamp: '2026-11-24T10:00:31.000Z',
      dtmf: { digits: '0', timed_out: false },
    };
    const left = await handler(await signVonageRequest({ url, body: pressed, signatureSecret }));
    expect(JSON.stringify(await left.json())).toContain('Bye.');
    const late = { ...pressed, timestamp: '2026-11-24T10:00:32.000Z', dtmf: { digits: '', timed_out: true } };
    expect((await handler(await signVonageRequest({ url, body: late, signatureSecret }))).status).toBe(204);
  });
});

describe('the emulator on the hold loop', () => {
  it('a scripted key in a loop without an escape key is an error: a notify break cannot hear it', async () => {
    const flow = defineFlow({
      name: 'deaf-loop',
      start: 'main',
      nodes: { main: [enqueue('support', { holdMusic: hold, announce: { everySeconds: 60 }, then: 'bye' })], bye: [say('Goodbye.')] },
    });
    const call = await simulateCall({ provider: 'vonage', flow, queues: [{ result: 'left', digit: '0', waitSeconds: 40 }] });
    expect(call.errors).toEqual(["the caller pressed 0 to leave queue 'support', but the hold NCCO holds no input to hear it"]);
  });

  it('a scripted agent with nothing to move the caller is an error, not a silent bridge', async () => {
    const flow = defineFlow({
      name: 'no-desk',
      start: 'main',
      nodes: { main: [enqueue('support', { holdMusic: hold, maxWaitSeconds: 600 })] },
    });
    let handler: ReturnType<typeof createVonageHandler> | undefined;
    const server = await serve((request) => handler!(request));
    const vonage = await createVonageEmulator({
      answerUrl: `${server.url}/vonage/answer`,
      eventUrl: `${server.url}/vonage/event`,
      signatureSecret,
      holdTimeoutMs: 20,
    });
    handler = createVonageHandler({ flow, secret, publicBaseUrl: `${server.url}/vonage`, signatureSecret });
    try {
      const transcript = await vonage.call({ queues: [{ result: 'bridged', waitSeconds: 10 }] });
      expect(transcript.endedBy).toBe('error');
      expect(transcript.errors[0]).toContain("scripted 'bridged' needs the app to move the caller");
    } finally {
      await vonage.close();
      await server.close();
    }
  });
});
