import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSplitBundle, type SplitBundle } from '../../../test/split-bundle.js';

// The Telnyx handler bundled as a bundler ships it (esbuild, code splitting, the chunks unlinked as in the ES module
// build and bench/bundle-size.ts), run in fresh node processes: the feature chunks (telnyx-features.ts) and the
// waiting steps' commands (telnyx-wait-commands.ts) are files of their own, loaded at the first need, and a call that
// needs them works from its first webhook. The emulator is bundled in the same build, so there is one copy of core.

const root = fileURLToPath(new URL('../../../', import.meta.url));
let bundle: SplitBundle;

beforeAll(async () => {
  bundle = await buildSplitBundle('callflow-telnyx-chunks-', {
    stdin: {
      contents: `export * from '@callflow/core'; export * from '@callflow/telnyx'; export { createTelnyxEmulator } from '@callflow/testing';`,
      resolveDir: root,
      sourcefile: 'index.ts',
      loader: 'ts',
    },
    entryNames: 'index',
    alias: {
      '@callflow/core': `${root}packages/core/src/index.ts`,
      '@callflow/telnyx': `${root}packages/telnyx/src/index.ts`,
      '@callflow/testing': `${root}packages/testing/src/index.ts`,
    },
    external: ['telnyx', 'twilio', '@vonage/*', 'luxon', 'yaml'],
  });
}, 60_000);

afterAll(() => {
  bundle?.remove();
});

const run = (script: string) => bundle.run(script);

/** A script that runs one call of `flow` through a fresh handler and the emulator, and prints what was sent and heard. */
const callScript = (flow: string, script: string) => `
import { createServer } from 'node:http';
const m = await import('./index.js');
const flow = m.defineFlow(${flow});
let handler;
const server = createServer(m.toNodeListener((request) => handler(request)));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const emulator = await m.createTelnyxEmulator({ webhookUrl: 'http://127.0.0.1:' + server.address().port + '/telnyx' });
handler = m.createTelnyxHandler({
  flow,
  secret: 'chunk-secret-0123456789abcdef',
  publicKey: emulator.publicKey,
  client: m.createCallControlClient({ apiKey: 'KEY-test', baseUrl: emulator.apiBaseUrl }),
  logger: { info() {}, warn() {}, error() {} },
});
const transcript = await emulator.call(${script});
await emulator.close();
server.close();
process.stdout.write(JSON.stringify({
  errors: transcript.errors,
  entries: transcript.entries,
  actions: emulator.requests.map((request) => request.action),
}));
`;

describe('the Telnyx feature chunks in a bundle', () => {
  it('are files of their own that the main file only names in a dynamic import()', () => {
    const main = bundle.text('index.js');
    const files = bundle.files();
    for (const chunk of [
      'telnyx-wait-commands',
      'telnyx-transfer',
      'telnyx-hold',
      'telnyx-record',
      'telnyx-speech',
      'telnyx-outbound',
      'telnyx-recovery',
      'telnyx-command-failure',
    ]) {
      const file = files.find((name) => name.startsWith(`${chunk}-`));
      expect(file, chunk).toBeDefined();
      expect(main).toContain(`import("./${file}")`);
    }
    // What the chunks hold is not in the main file (the bundle is not minified: functions keep their names).
    for (const name of [
      'dialCommands',
      'enqueueCommands',
      'recordCommands',
      'farLegEvent',
      'holdBreak',
      'recordSilence',
      'outboundEvent',
      'sendApart',
      'commandFailed',
      'unexpectedEvent',
      'withoutRecord',
      'recordHeard',
      'holdEvent',
      'decodeClientStateKind',
      'waitingOutcome',
      'speakLanguage',
    ])
      expect(main, name).not.toContain(`function ${name}(`);
  });

  it('a queue: the enqueue and the hold loop go out from the first turn that waits in it', () => {
    const out = run(
      callScript(
        `{ name: 'queue', start: 'wait', nodes: { wait: [m.enqueue('sales', { holdMusic: 'https://audio.example.com/hold.mp3', announce: { template: 'You are number {position}.', everySeconds: 60 } })] } }`,
        `{ queues: [{ result: 'bridged', position: 3 }] }`,
      ),
    );
    expect(out.errors).toEqual([]);
    expect((out.actions as string[]).slice(0, 4)).toEqual(['answer', 'enqueue', 'speak', 'playback_start']);
  });

  it('a transfer in a dynamic node, refused by Telnyx: the planning and transfer chunks load when needed, onFailed runs', () => {
    const out = run(
      callScript(
        `{ name: 'refused', start: 'main', nodes: { main: () => [m.say('Connecting you.'), m.transfer('14155550100', { onFailed: 'failed' })], failed: [m.say('We could not connect you.'), m.hangup()] } }`,
        '{}',
      ),
    );
    expect(out.errors).toEqual([]);
    expect(out.entries).toEqual([
      { type: 'say', text: 'Connecting you.' },
      { type: 'transfer', to: '14155550100', status: 'failed' },
      { type: 'say', text: 'We could not connect you.' },
      { type: 'hangup', by: 'flow' },
    ]);
  });

  it('a command Telnyx refuses for good: the recovery chunk loads and the caller hears the apology', () => {
    const out = run(`
const m = await import('./index.js');
const keys = await m.generateTelnyxKeyPair();
const sent = [];
// A Call Control API in-process that refuses the first play for good (422, a file it cannot fetch) and accepts the rest.
const fetch = async (url, init) => {
  const action = /\\/actions\\/([^/]+)$/.exec(new URL(String(url)).pathname)?.[1] ?? 'unknown';
  sent.push(action === 'speak' ? 'speak: ' + JSON.parse(String(init.body)).payload : action);
  const refused = action === 'playback_start' && sent.filter((name) => name === action).length === 1;
  return new Response(refused ? '{"errors":[{"code":"90001","title":"Invalid audio_url"}]}' : '{"data":{"result":"ok"}}', {
    status: refused ? 422 : 200,
    headers: { 'content-type': 'application/json' },
  });
};
const flow = m.defineFlow({ name: 'refused-play', start: 'main', nodes: { main: [m.play('https://audio.example.com/missing.mp3'), m.hangup()] } });
const handler = m.createTelnyxHandler({
  flow,
  secret: 'chunk-secret-0123456789abcdef',
  publicKey: keys.publicKey,
  client: m.createCallControlClient({ apiKey: 'KEY-test', baseUrl: 'http://127.0.0.1:9/v2', fetch }),
  logger: { info() {}, warn() {}, error() {} },
});
const body = JSON.stringify({ data: { record_type: 'event', event_type: 'call.initiated', id: 'e1', occurred_at: new Date().toISOString(),
  payload: { call_control_id: 'v3:refused', direction: 'incoming', from: '+15551230000', to: '+15559870000' } } });
const reply = await handler(new Request('http://localhost/telnyx', { method: 'POST', body,
  headers: { 'content-type': 'application/json', ...(await m.signTelnyxEvent(body, { privateKey: keys.privateKey })) } }));
process.stdout.write(JSON.stringify({ status: reply.status, sent }));
`);
    // The apology is a speak whose end hangs up (its call.speak.ended, not sent here).
    expect(out.status).toBe(200);
    expect(out.sent).toEqual(['answer', 'playback_start', expect.stringMatching(/^speak: .*sorry/i)]);
  });

  it('planCommands on its own: a clear error before loadTelnyxPlanning() for a waiting transfer, the commands after it', () => {
    const out = run(`
const m = await import('./index.js');
const flow = m.defineFlow({ name: 'plan', start: 'main', nodes: { main: [m.transfer('+14155550100')] } });
const engine = m.createEngine(flow, { secret: 'chunk-secret-0123456789abcdef' });
const turn = await engine.start({ callId: 'v3:plan', from: '+15551230000', to: '+15559870000', provider: 'telnyx' });
let before;
try {
  m.planCommands(turn, { continuations: [] });
} catch (error) {
  before = error.code + ': ' + error.message;
}
await m.loadTelnyxPlanning();
process.stdout.write(JSON.stringify({ before, after: m.planCommands(turn, { continuations: [] }).output.map((command) => command.action) }));
`);
    expect(out.before).toMatch(/^missing-package: .*call `await loadTelnyxPlanning\(\)` once before planCommands/);
    expect(out.after).toEqual(['transfer']);
  });

  it('parseTelnyxEvent on its own: a clear error before loadTelnyxPlanning() for a recording or a hold state, the outcome after it', () => {
    const out = run(`
const m = await import('./index.js');
const recording = JSON.stringify({ data: { id: 'e1', event_type: 'call.recording.saved', payload: { call_control_id: 'v3:x',
  recording_urls: { mp3: 'https://example.com/r.mp3' }, recording_started_at: '2026-01-01T00:00:00Z', recording_ended_at: '2026-01-01T00:00:09Z' } } });
const hold = m.encodeClientState({ kind: 'hold', segment: 2, sequence: 3, token: 'abc.def' });
const position = m.decodeClientState(m.encodeClientState({ kind: 'position', sequence: 3, token: 'abc.def' }));
const attempt = (read) => { try { return read(); } catch (error) { return error.code + ': ' + error.message; } };
const before = { recording: attempt(() => m.parseTelnyxEvent(recording).outcome), hold: attempt(() => m.decodeClientState(hold)) };
await m.loadTelnyxPlanning();
process.stdout.write(JSON.stringify({ position, before, after: { recording: m.parseTelnyxEvent(recording).outcome, hold: m.decodeClientState(hold) } }));
`);
    // The usual kinds need no chunk.
    expect(out.position).toEqual({ kind: 'position', sequence: 3, token: 'abc.def' });
    expect(out.before).toEqual({
      recording: expect.stringMatching(/^missing-package: .*call `await loadTelnyxPlanning\(\)` once before parseTelnyxEvent/),
      hold: expect.stringMatching(/^missing-package: .*call `await loadTelnyxPlanning\(\)` once before decodeClientState/),
    });
    expect(out.after).toEqual({
      recording: { type: 'recording', url: 'https://example.com/r.mp3', durationSeconds: 9 },
      hold: { kind: 'hold', segment: 2, sequence: 3, token: 'abc.def' },
    });
  });

  it('an outbound call: its first event loads the chunk that reads its client state, and the flow runs once it is answered', () => {
    const out = run(`
import { createServer } from 'node:http';
const m = await import('./index.js');
const flow = m.defineFlow({ name: 'outbound', start: 'intro', nodes: {
  intro: [m.gather({ prompt: [m.say('Press 1 to confirm.')], numDigits: 1, routes: { '1': 'confirmed' } })],
  confirmed: [m.say('Confirmed.'), m.hangup()] } });
let handler;
const server = createServer(m.toNodeListener((request) => handler(request)));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const emulator = await m.createTelnyxEmulator({ webhookUrl: 'http://127.0.0.1:' + server.address().port + '/telnyx' });
const client = m.createCallControlClient({ apiKey: 'KEY-test', baseUrl: emulator.apiBaseUrl });
handler = m.createTelnyxHandler({ flow, secret: 'chunk-secret-0123456789abcdef', publicKey: emulator.publicKey, client,
  logger: { info() {}, warn() {}, error() {} } });
emulator.scriptOutbound({ input: ['1'] });
await m.startTelnyxCall(client, handler, { connectionId: 'conn-1', to: '+15551230000', from: '+15559870000' });
const transcript = await emulator.outboundCalls.at(-1).transcript;
await emulator.close();
server.close();
process.stdout.write(JSON.stringify({ errors: transcript.errors, spoken: m.spoken ? m.spoken(transcript) : transcript.entries.filter((entry) => entry.type === 'say').map((entry) => entry.text) }));
`);
    expect(out.errors).toEqual([]);
    expect(out.spoken).toEqual(['Press 1 to confirm.', 'Confirmed.']);
  });

  it('a say in a language, in a dynamic node: the planning chunk that knows the speak languages loads before the first turn', () => {
    const out = run(
      callScript(
        `{ name: 'language', start: 'main', nodes: { main: () => [m.say('Bonjour.', { voice: 'Polly.Lea', language: 'fr-FR' }), m.hangup()] } }`,
        '{}',
      ),
    );
    expect(out.errors).toEqual([]);
    expect(out.entries).toEqual([
      { type: 'say', text: 'Bonjour.' },
      { type: 'hangup', by: 'flow' },
    ]);
    expect((out.actions as string[]).slice(0, 2)).toEqual(['answer', 'speak']);
  });

  it('planCommands on its own: a say in a language needs loadTelnyxPlanning() first, then it is spoken in it', () => {
    const out = run(`
const m = await import('./index.js');
const flow = m.defineFlow({ name: 'plan', start: 'main', nodes: { main: [m.say('Hola.', { voice: 'Polly.Lucia', language: 'es-ES' }), m.hangup()] } });
const engine = m.createEngine(flow, { secret: 'chunk-secret-0123456789abcdef' });
const turn = await engine.start({ callId: 'v3:plan', from: '+15551230000', to: '+15559870000', provider: 'telnyx' });
const continuations = await Promise.all(m.continuationStates(turn).map((state) => engine.sign(state, turn.call)));
let before;
try {
  m.planCommands(turn, { continuations });
} catch (error) {
  before = error.code + ': ' + error.message;
}
await m.loadTelnyxPlanning();
process.stdout.write(JSON.stringify({ before, after: m.planCommands(turn, { continuations }).output[0].body }));
`);
    expect(out.before).toMatch(/^missing-package: .*call `await loadTelnyxPlanning\(\)` once before planCommands/);
    expect(out.after).toMatchObject({ payload: 'Hola.', voice: 'AWS.Polly.Lucia', language: 'es-ES' });
  });
});
