import { afterEach, describe, expect, it, vi } from 'vitest';
import { conference, createMemoryStore, defineFlow, hangup, isCallFlowError, say, silentLogger } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { spoken, type CallScript, type CallTranscript, type TelnyxApiRequest, type TelnyxCallOptions } from '@callflow/testing';
import { Telnyx } from 'telnyx';
import { createCallControlClient, executeCommands, type ExecutionReport, type TelnyxClient, type TelnyxCommand } from '../src/index.js';
import { memoryLogger, sdkClient, startRig, type ClientFactory } from './harness.js';

const fetchClient: ClientFactory = (apiBaseUrl) => createCallControlClient({ apiKey: 'test-key', baseUrl: apiBaseUrl });
const clients = { sdk: sdkClient, fetch: fetchClient };

/** One request as it left the client. */
interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Answers a request; `signal` is the one the client passed to fetch (the Request's own copy follows it only weakly). */
type Reply = (request: Request, index: number, signal: AbortSignal | undefined) => Response | Promise<Response>;

const ok = () => Response.json({ data: { result: 'ok' } });

/** A `fetch` that records every request and answers with `reply` (default Telnyx's `{ data: { result: 'ok' } }`). */
function recordingFetch(reply: Reply = ok) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    sent.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    return reply(request, sent.length - 1, init?.signal ?? undefined);
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const apiKey = 'KEY0123456789ABCDEF_test';
const baseUrl = 'http://127.0.0.1:9/v2';
/** The SDK client and ours, on the same `fetch`; `base: null` leaves both on their default base URL. */
const bothClients = (fetch: typeof globalThis.fetch, base: string | null = baseUrl): Record<'sdk' | 'fetch', TelnyxClient> => ({
  sdk: new Telnyx({ apiKey, fetch, ...(base === null ? {} : { baseURL: base }) }),
  fetch: createCallControlClient({ apiKey, fetch, ...(base === null ? {} : { baseUrl: base }) }),
});

const callId = 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1XYDVOxnPCuUo4w';
const state = 'MSBleUpoYkdjaU9pSkl1eklzSW5SNWNDSTZJa3BYVkNKOS4uLg==';

/** One command of every kind the executor sends, with the bodies planCommands makes (and a conference room). */
const everyCommand: TelnyxCommand[] = [
  { action: 'answer', body: {} },
  { action: 'playback_stop', body: { stop: 'all' } },
  {
    action: 'speak',
    body: {
      payload: 'Grüße, and welcome — "ACME" & co. <3',
      voice: 'AWS.Polly.Joanna-Neural',
      language: 'en-US',
      client_state: state,
      command_id: 'cf-1',
    },
  },
  { action: 'playback_start', body: { audio_url: 'https://audio.example.com/hold.mp3?x=1&y=2', loop: 'infinity', client_state: state } },
  {
    action: 'gather_using_speak',
    body: {
      payload: 'Press 1.',
      voice: 'female',
      service_level: 'basic',
      minimum_digits: 1,
      maximum_digits: 1,
      maximum_tries: 3,
      timeout_millis: 5000,
      valid_digits: '12',
      invalid_payload: 'Sorry.',
      client_state: state,
    },
  },
  {
    action: 'gather_using_audio',
    body: {
      audio_url: 'https://audio.example.com/menu.mp3',
      minimum_digits: 1,
      maximum_digits: 4,
      terminating_digit: '#',
      client_state: state,
    },
  },
  { action: 'gather', body: { minimum_digits: 1, maximum_digits: 6, initial_timeout_millis: 8000, client_state: state } },
  {
    action: 'record_start',
    body: { format: 'mp3', channels: 'single', play_beep: true, max_length: 120, timeout_secs: 5, client_state: state },
  },
  { action: 'record_stop', body: { client_state: state } },
  {
    action: 'transfer',
    body: { to: '+15005550006', timeout_secs: 20, park_after_unbridge: 'self', target_leg_client_state: state, client_state: state },
  },
  { action: 'enqueue', body: { queue_name: 'support', max_wait_time_secs: 300, client_state: state } },
  { action: 'leave_queue', body: { client_state: state } },
  {
    action: 'conference_join_or_create',
    body: {
      room: 'team room',
      create: {
        name: 'team room',
        beep_enabled: 'always',
        start_conference_on_create: false,
        hold_audio_url: 'https://audio.example.com/c.mp3',
      },
      join: { beep_enabled: 'always', start_conference_on_enter: true, client_state: state },
    },
  },
  { action: 'hangup', body: { command_id: 'cf-9' } },
];

/** Answers as Call Control does: the conference for `POST /conferences`, `{ data: { result: 'ok' } }` for the rest. */
const callControl: Reply = (request) =>
  new URL(request.url).pathname.endsWith('/conferences')
    ? Response.json({ data: { id: 'conf/1 ü', name: 'team room', record_type: 'conference' } })
    : ok();

/** Runs `commands` through one client: the first leg creates the room, a second leg joins it. */
async function sendEverything(client: TelnyxClient): Promise<ExecutionReport[]> {
  const store = createMemoryStore();
  const options = { client, store, logger: silentLogger, retryDelayMs: 1 };
  return [
    await executeCommands(callId, everyCommand, options),
    await executeCommands(
      'v3:second/leg+=?#',
      everyCommand.filter((command) => command.action === 'conference_join_or_create'),
      options,
    ),
  ];
}

describe('createCallControlClient sends the requests the telnyx SDK sends', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('every command the executor sends: same method, URL, JSON body, auth and content-type', async () => {
    const sdk = recordingFetch(callControl);
    const ours = recordingFetch(callControl);
    const sdkReports = await sendEverything(bothClients(sdk.fetch).sdk);
    const ourReports = await sendEverything(bothClients(ours.fetch).fetch);
    expect(ourReports).toEqual(sdkReports);
    expect(ourReports[0]!.sent).toEqual(everyCommand.map((command) => command.action));

    expect(ours.sent).toHaveLength(everyCommand.length + 1);
    expect(ours.sent.map(({ method, url, body }) => ({ method, url, body }))).toEqual(
      sdk.sent.map(({ method, url, body }) => ({ method, url, body })),
    );
    for (const [index, request] of ours.sent.entries()) {
      const theirs = sdk.sent[index]!;
      expect(request.headers).toEqual({
        accept: 'application/json',
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
      });
      // Every header we send, the SDK sends with the same value; it adds only its own telemetry headers.
      for (const [name, value] of Object.entries(request.headers)) expect(theirs.headers[name], name).toBe(value);
      expect(Object.keys(theirs.headers).filter((name) => !(name in request.headers) && !/^(user-agent|x-stainless-)/.test(name))).toEqual(
        [],
      );
    }
    expect(ours.sent.map((request) => `${request.method} ${request.url}`)).toEqual([
      ...everyCommand.slice(0, -2).map((command) => `POST ${baseUrl}/calls/${callId}/actions/${command.action}`),
      `POST ${baseUrl}/conferences`,
      `POST ${baseUrl}/calls/${callId}/actions/hangup`,
      `POST ${baseUrl}/conferences/conf%2F1%20%C3%BC/actions/join`,
    ]);
    expect(JSON.parse(ours.sent[12]!.body!)).toEqual({
      name: 'team room',
      beep_enabled: 'always',
      start_conference_on_create: false,
      hold_audio_url: 'https://audio.example.com/c.mp3',
      call_control_id: callId,
    });
  });

  it("the conference commands of muted and endOnExit (mute, leave, the participant list): the SDK's requests", async () => {
    const participants = () => Response.json({ data: [{ call_control_id: callId }], meta: { page_number: 1, total_pages: 1 } });
    const requests = async (client: TelnyxClient) => {
      const conferences = client.conferences;
      await conferences.actions.mute!('conf/1 ü', { call_control_ids: [callId] });
      await conferences.actions.leave!('conf/1 ü', { call_control_id: callId });
      const page = await conferences.listParticipants!('conf/1 ü', { 'page[size]': 250 });
      return page.data?.map((participant) => participant.call_control_id);
    };
    const sdk = recordingFetch((request) => (request.method === 'GET' ? participants() : ok()));
    const ours = recordingFetch((request) => (request.method === 'GET' ? participants() : ok()));
    expect(await requests(bothClients(ours.fetch).fetch)).toEqual(await requests(bothClients(sdk.fetch).sdk));
    expect(ours.sent.map(({ method, url, body }) => ({ method, url, body }))).toEqual(
      sdk.sent.map(({ method, url, body }) => ({ method, url, body })),
    );
    expect(ours.sent.map((request) => `${request.method} ${request.url}`)).toEqual([
      `POST ${baseUrl}/conferences/conf%2F1%20%C3%BC/actions/mute`,
      `POST ${baseUrl}/conferences/conf%2F1%20%C3%BC/actions/leave`,
      `GET ${baseUrl}/conferences/conf%2F1%20%C3%BC/participants?page%5Bsize%5D=250`,
    ]);
  });

  it('the default base URL is the SDK default, https://api.telnyx.com/v2, and a trailing slash changes nothing', async () => {
    vi.stubEnv('TELNYX_BASE_URL', '');
    const sdk = recordingFetch();
    const ours = recordingFetch();
    await bothClients(sdk.fetch, null).sdk.calls.actions.answer(callId, {});
    await bothClients(ours.fetch, null).fetch.calls.actions.answer(callId, {});
    expect(ours.sent.map((request) => request.url)).toEqual([sdk.sent[0]!.url]);
    expect(sdk.sent[0]!.url).toBe(`https://api.telnyx.com/v2/calls/${callId}/actions/answer`);
    // A trailing slash on a base URL changes nothing (a local base: the recording fetch sends nothing anyway).
    const local = recordingFetch();
    for (const baseUrl of ['http://127.0.0.1:9/v2', 'http://127.0.0.1:9/v2/'])
      await createCallControlClient({ apiKey, fetch: local.fetch, baseUrl }).calls.actions.answer(callId, {});
    expect(local.sent.map((request) => request.url)).toEqual(Array(2).fill(`http://127.0.0.1:9/v2/calls/${callId}/actions/answer`));
  });

  it('path parameters are encoded as the SDK encodes them', async () => {
    for (const id of ['v3:a/b c', 'v3:x?y#z', 'v3:%2F', "v3:!$&'()*+,;=:@~", 'v3:ü€']) {
      const sdk = recordingFetch();
      const ours = recordingFetch();
      await bothClients(sdk.fetch).sdk.calls.actions.hangup(id, {});
      await bothClients(ours.fetch).fetch.calls.actions.hangup(id, {});
      expect(ours.sent[0]!.url, id).toBe(sdk.sent[0]!.url);
    }
    // '.' and '..' would change the path: both refuse them before sending anything.
    for (const id of ['.', '..']) {
      const ours = recordingFetch();
      await expect(bothClients(ours.fetch).fetch.calls.actions.hangup(id, {})).rejects.toThrow(/not a valid id/);
      await expect(async () => bothClients(ours.fetch).sdk.calls.actions.hangup(id, {})).rejects.toThrow(/invalid segments/);
      expect(ours.sent).toEqual([]);
    }
  });

  it('resolves with the parsed response, as the SDK does', async () => {
    const replies: Reply[] = [
      callControl,
      () => new Response(null, { status: 204 }),
      () => new Response('accepted', { status: 200, headers: { 'content-type': 'text/plain' } }),
    ];
    for (const reply of replies) {
      const { sdk, fetch } = bothClients(recordingFetch(reply).fetch);
      expect(await fetch.conferences.create({ call_control_id: callId, name: 'room' })).toEqual(
        await sdk.conferences.create({ call_control_id: callId, name: 'room' }),
      );
      expect(await fetch.calls.actions.speak(callId, { payload: 'Hi.', voice: 'female' })).toEqual(
        await sdk.calls.actions.speak(callId, { payload: 'Hi.', voice: 'female' }),
      );
    }
  });
});

/** A Telnyx error body, as the API and the emulator send it. */
const telnyxError = (code: string, title: string, detail = title) => ({ errors: [{ code, title, detail }] });

/** Fails the first request as `failure` says, then answers ok. */
function failingOnce(failure: (request: Request) => Response | Promise<Response>): Reply {
  return (request, index) => (index === 0 ? failure(request) : ok());
}

/**
 * A request that hangs until the client aborts it. It listens on the client's own signal: undici's Request follows
 * that signal through a weak reference, so under GC pressure the copy may never fire and the test would hang.
 */
const hangs: Reply = (_request, _index, signal) =>
  new Promise<Response>((_resolve, reject) => {
    const abort = () => reject(new DOMException('This operation was aborted', 'AbortError'));
    if (!signal) return;
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });

async function speakOnce(client: TelnyxClient, timeoutMs?: number) {
  const logger = memoryLogger();
  const report = await executeCommands(
    callId,
    [{ action: 'speak', body: { payload: 'Hello.', voice: 'female', command_id: 'cf-speak' } }],
    { client, store: createMemoryStore(), logger, retryDelayMs: 1, timeoutMs },
  );
  // Messages differ (each client words its errors); what failed must not.
  const { failed, ...rest } = report;
  return { report: { ...rest, ...(failed && { failed: { action: failed.action } }) }, logger };
}

describe('failures classify as they do with the SDK client', () => {
  const cases: Array<{ name: string; reply: Reply; expected: Omit<Partial<ExecutionReport>, 'failed'> & { failed?: { action: string } } }> =
    [
      {
        name: '422 call has already ended → gone, the rest dropped',
        reply: failingOnce(() =>
          Response.json(
            telnyxError('90018', 'Call has already ended', 'This call is no longer active and can no longer receive commands.'),
            { status: 422 },
          ),
        ),
        expected: { sent: [], requests: 1, callEnded: true },
      },
      {
        name: '404 call not found → refused for good, nothing more sent (the delivery plays the apology)',
        reply: failingOnce(() => Response.json(telnyxError('90015', 'Call not found'), { status: 404 })),
        expected: { sent: [], requests: 1, failed: { action: 'speak' } },
      },
      {
        name: '400 → refused for good, nothing more sent (the delivery plays the apology)',
        reply: failingOnce(() => Response.json(telnyxError('10015', 'Bad request'), { status: 400 })),
        expected: { sent: [], requests: 1, failed: { action: 'speak' } },
      },
      {
        name: '422 invalid parameter → refused for good, nothing more sent (the delivery plays the apology)',
        reply: failingOnce(() => Response.json(telnyxError('10032', 'Invalid value for voice'), { status: 422 })),
        expected: { sent: [], requests: 1, failed: { action: 'speak' } },
      },
      { name: '408 → retried', reply: failingOnce(() => new Response('', { status: 408 })), expected: { sent: ['speak'], requests: 2 } },
      {
        name: '429 → retried',
        reply: failingOnce(() => Response.json(telnyxError('10011', 'Too many requests'), { status: 429 })),
        expected: { sent: ['speak'], requests: 2 },
      },
      {
        name: '500 → retried',
        reply: failingOnce(() => Response.json(telnyxError('10007', 'Unexpected error'), { status: 500 })),
        expected: { sent: ['speak'], requests: 2 },
      },
      {
        name: '502 with an HTML body → retried',
        reply: failingOnce(() => new Response('<html>Bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } })),
        expected: { sent: ['speak'], requests: 2 },
      },
      {
        name: 'network failure → retried',
        reply: failingOnce(() => Promise.reject(new TypeError('fetch failed'))),
        expected: { sent: ['speak'], requests: 2 },
      },
      {
        name: 'timeout → retried',
        reply: (request, index, signal) => (index === 0 ? hangs(request, index, signal) : ok()),
        expected: { sent: ['speak'], requests: 2 },
      },
    ];

  for (const { name, reply, expected } of cases) {
    it(name, async () => {
      const sdk = await speakOnce(bothClients(recordingFetch(reply).fetch).sdk, 200);
      const ours = await speakOnce(bothClients(recordingFetch(reply).fetch).fetch, 200);
      expect(ours.report).toEqual(sdk.report);
      expect(ours.report).toMatchObject(expected);
      expect(ours.logger.lines.map((line) => line.level)).toEqual(sdk.logger.lines.map((line) => line.level));
    });
  }

  it('an answered failure carries status and the parsed body, like the SDK error; a timeout or network failure has no status', async () => {
    const body = telnyxError('90018', 'Call has already ended', 'This call is no longer active and can no longer receive commands.');
    const { sdk, fetch } = bothClients(recordingFetch(() => Response.json(body, { status: 422 })).fetch);
    const theirs = (await sdk.calls.actions.speak(callId, { payload: 'Hi.', voice: 'female' }, { maxRetries: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    )) as { status: number; error: unknown };
    const mine = await fetch.calls.actions.speak(callId, { payload: 'Hi.', voice: 'female' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(mine).toMatchObject({ status: 422, error: body });
    expect({ status: (mine as typeof theirs).status, error: (mine as typeof theirs).error }).toEqual({
      status: theirs.status,
      error: theirs.error,
    });
    expect(isCallFlowError(mine, 'provider-request-failed')).toBe(true);
    expect(String((mine as Error).message)).toBe(
      `[callflow:telnyx] POST /calls/${callId}/actions/speak answered 422: This call is no longer active and can no longer receive commands. (90018)`,
    );

    const timedOut = await bothClients(recordingFetch(hangs).fetch)
      .fetch.calls.actions.answer(callId, {}, { timeout: 20 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isCallFlowError(timedOut, 'provider-request-failed')).toBe(true);
    expect(timedOut).not.toHaveProperty('status');
    expect((timedOut as Error).message).toMatch(/timed out after 20 ms/);
    const unreachable = await createCallControlClient({ apiKey, baseUrl: 'http://127.0.0.1:9/v2' })
      .calls.actions.answer(callId, {})
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isCallFlowError(unreachable, 'provider-request-failed')).toBe(true);
    expect(unreachable).not.toHaveProperty('status');
  });

  it('a body that is not JSON on an error answer: status kept, no parsed body (as the SDK)', async () => {
    const reply = () => new Response('upstream exploded', { status: 503, headers: { 'content-type': 'text/plain' } });
    const { sdk, fetch } = bothClients(recordingFetch(reply).fetch);
    const theirs = (await sdk.calls.actions.answer(callId, {}, { maxRetries: 0 }).catch((error: unknown) => error)) as {
      status: number;
      error: unknown;
    };
    const mine = (await fetch.calls.actions.answer(callId, {}).catch((error: unknown) => error)) as {
      status: number;
      error: unknown;
      message: string;
    };
    expect([mine.status, mine.error]).toEqual([theirs.status, theirs.error]);
    expect(mine.message).toContain('answered 503: upstream exploded');
  });
});

/** A transcript and the requests of a call, with what differs from call to call (ids, tokens, recording URLs) masked. */
function comparable(transcript: CallTranscript, requests: readonly TelnyxApiRequest[]) {
  const mask = (body: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(body).map(([key, value]) => [key, /client_state|command_id|call_control_id/.test(key) ? typeof value : value]),
    );
  return {
    entries: transcript.entries.map((entry) => (entry.type === 'record' ? { ...entry, url: '<recording>' } : entry)),
    endedBy: transcript.endedBy,
    errors: transcript.errors,
    webhooks: transcript.webhooks,
    requests: requests.map((request) => ({
      action: request.action,
      status: request.status,
      duplicate: request.duplicate,
      body: mask(request.body),
    })),
  };
}

const phoneTree = createPhoneTree({ holdMusicUrl: 'https://audio.example.com/hold.mp3', receptionNumber: '+15005550006' });
const calls: Array<{
  name: string;
  script: CallScript;
  options?: TelnyxCallOptions;
  failNext?: [string, { status: number; times: number }];
}> = [
  { name: 'hours twice, the menu, three silences', script: { input: ['3', '1', '5', '9'] } },
  {
    name: 'sales voicemail ended with # (record_stop)',
    script: { input: ['1'], recordings: [{ durationSeconds: 12 }] },
    options: { recordingsEndWithKey: true },
  },
  { name: 'support: hold music, queue, agent', script: { input: ['2'], queues: [{ result: 'bridged', waitSeconds: 40 }] } },
  { name: 'reception answered', script: { input: ['0'], transfers: ['completed'] } },
  { name: 'reception busy → voicemail', script: { input: ['0'], transfers: ['busy'], recordings: [{ durationSeconds: 4 }] } },
  {
    name: 'a gather that fails with 500 twice is retried',
    script: { input: [{ hangup: true }] },
    failNext: ['gather_using_speak', { status: 500, times: 2 }],
  },
  { name: 'a speak refused with 400: clean hangup', script: {}, failNext: ['speak', { status: 400, times: 1 }] },
];

describe('whole calls through the emulator: the built-in client plays them as the SDK client does', () => {
  for (const { name, script, options, failNext } of calls) {
    it(`phone tree: ${name}`, async () => {
      const results: Record<string, ReturnType<typeof comparable>> = {};
      for (const [kind, client] of Object.entries(clients)) {
        const rig = await startRig(phoneTree, { client });
        try {
          if (failNext) rig.emulator.failNext(...failNext);
          results[kind] = comparable(await rig.emulator.call(script, options), rig.emulator.requests);
        } finally {
          await rig.close();
        }
      }
      expect(results.fetch).toEqual(results.sdk);
      expect(results.fetch!.requests.length).toBeGreaterThanOrEqual(3);
      if (!failNext || failNext[1].status >= 500) expect(results.fetch!.errors).toEqual([]);
    });
  }

  it('a conference room: the first caller creates it, the second joins it by id', async () => {
    const flow = defineFlow({
      name: 'room',
      start: 'welcome',
      nodes: {
        welcome: [say('Joining the room.'), conference('team', { beep: true, then: 'bye' })],
        bye: [say('The room has ended. Goodbye.'), hangup()],
      },
    });
    const results: Record<string, unknown> = {};
    for (const [kind, client] of Object.entries(clients)) {
      const rig = await startRig(flow, { client, emulator: { msPerSecond: 10 } });
      try {
        // The first caller stays until the second's call is over: a fixed stay (600 ms) raced the second caller's join.
        let secondEnded = () => {};
        const first = rig.emulator.call({
          conferences: [{ status: 'ended', until: new Promise<void>((resolve) => (secondEnded = resolve)) }],
        });
        // Reaching the room takes a few webhooks: vi.waitFor's default 1 s ran out on a loaded machine; 10 s as the other room tests.
        await vi.waitFor(() => expect(rig.emulator.conferences()[0]?.participants).toHaveLength(1), { timeout: 10_000 });
        const second = await rig.emulator.call({ conferences: [{ status: 'ended', seconds: 5 }] });
        secondEnded();
        const transcripts = [await first, second];
        for (const transcript of transcripts) expect(transcript.errors).toEqual([]);
        const rooms = rig.emulator.conferences();
        results[kind] = {
          spoken: transcripts.map(spoken),
          rooms: rooms.map((room) => ({ name: room.name, joined: room.joined.length, beep: room.beep, ended: room.ended })),
          actions: rig.emulator.requests.map((request) => `${request.action} ${request.status}`).sort(),
        };
      } finally {
        await rig.close();
      }
    }
    expect(results.fetch).toEqual(results.sdk);
    expect(results.fetch).toMatchObject({ rooms: [{ name: 'team', joined: 2, ended: true }] });
    expect((results.fetch as { actions: string[] }).actions).toEqual(
      expect.arrayContaining(['conferences.create 200', 'conferences.join 200']),
    );
  });
});
