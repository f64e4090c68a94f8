import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSplitBundle, type SplitBundle } from '../../../test/split-bundle.js';

// The Vonage handler bundled as a bundler ships it (esbuild, code splitting, core's chunks unlinked as in
// bench/bundle-size.ts), run in fresh node processes: the transfer, record and conference chunks and the signature
// messages are files of their own, loaded at the first need, and a call that needs them works from its first webhook.

const root = fileURLToPath(new URL('../../../', import.meta.url));
let bundle: SplitBundle;

beforeAll(async () => {
  bundle = await buildSplitBundle('callflow-vonage-chunks-', {
    stdin: {
      contents: `export * from '@callflow/core'; export { createVonageHandler, signVonageRequest } from '@callflow/vonage';`,
      resolveDir: root,
      sourcefile: 'index.ts',
      loader: 'ts',
    },
    entryNames: 'index',
    alias: {
      '@callflow/core': `${root}packages/core/src/index.ts`,
      '@callflow/vonage': `${root}packages/vonage/src/index.ts`,
    },
    external: ['@vonage/*', 'luxon', 'yaml'],
  });
}, 60_000);

afterAll(() => {
  bundle?.remove();
});

const run = (script: string) => bundle.run(script);

/** A script that answers one call of `flow` through a fresh handler, then follows each NCCO's notify; prints the actions of each reply. */
const callScript = (flow: string) => `
const m = await import('./index.js');
const signatureSecret = 'chunks-build-signature-secret';
const handler = m.createVonageHandler({
  flow: m.defineFlow(${flow}),
  secret: 'chunks-build-secret-0123456789abcdef',
  publicBaseUrl: 'https://ivr.example.com/vonage',
  signatureSecret,
  store: m.createMemoryStore(),
  // The record notify waits this long for a record event this script does not send.
  recordingWaitMs: 50,
  logger: { info() {}, warn() {}, error() {} },
});
const send = async (url, body) => handler(await m.signVonageRequest(body === undefined ? { url, method: 'GET', signatureSecret } : { url, body, signatureSecret }));
const replies = [];
let response = await send('https://ivr.example.com/vonage/answer?to=447700900000&from=447700900001&uuid=call-1');
for (let turn = 0; turn < 4; turn++) {
  if (response.status !== 200) { replies.push(response.status); break; }
  const ncco = await response.json();
  replies.push(ncco.map((action) => action.action));
  const notify = ncco.find((action) => action.action === 'notify');
  if (!notify) break;
  response = await send(notify.eventUrl[0], notify.payload);
}
const forged = await handler(await m.signVonageRequest({ url: 'https://ivr.example.com/vonage/answer?uuid=call-2', method: 'GET', signatureSecret: 'wrong' }));
process.stdout.write(JSON.stringify({ replies, forged: forged.status }));
`;

describe('the Vonage chunks in a bundle', () => {
  it('are files of their own that the up-front files only name in a dynamic import()', () => {
    const files = bundle.files();
    // The up-front files: the entry and, transitively, what it imports statically (not through a dynamic import()).
    const upFrontFiles = new Set<string>();
    const pending = ['index.js'];
    while (pending.length) {
      const file = pending.pop()!;
      if (upFrontFiles.has(file)) continue;
      upFrontFiles.add(file);
      for (const match of bundle.text(file).matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) pending.push(match[1]!);
    }
    const upFront = [...upFrontFiles].map((file) => bundle.text(file)).join('\n');
    for (const chunk of ['vonage-transfer-chunk', 'vonage-record-conference-chunk', 'vonage-signature-messages']) {
      const file = files.find((name) => name.startsWith(`${chunk}-`));
      expect(file, chunk).toBeDefined();
      expect(upFront).toContain(`import("./${file}")`);
    }
    // What the chunks hold is not up front (the bundle is not minified: functions keep their names).
    for (const name of ['renderConnect', 'renderCalleeNcco', 'calleeAnswer', 'renderRecord', 'renderConversation', 'waitForRecording'])
      expect(upFront, name).not.toContain(`function ${name}(`);
    expect(upFront).not.toContain('JWT signature does not match the signature secret');
  });

  it('a record, a transfer and a conference: each first turn renders from its chunk, and a forged webhook is refused', () => {
    const out = run(
      callScript(
        `{ name: 'steps', start: 'main', nodes: { main: [m.record({ then: 'desk' })], desk: [m.transfer('+447700900123', { then: 'room' })], room: [m.conference('team-room')] } }`,
      ),
    );
    expect(out).toEqual({
      replies: [
        ['record', 'notify'],
        ['connect', 'notify'],
        ['conversation', 'notify'],
        // The flow ends after the room: an empty NCCO ends the call.
        [],
      ],
      forged: 403,
    });
  });

  it('a dynamic node that transfers: the transfer chunk loads at the turn that needs it', () => {
    const out = run(
      callScript(`{ name: 'dynamic', start: 'main', nodes: { main: () => [m.say('Connecting.'), m.transfer('+447700900123')] } }`),
    );
    expect(out).toEqual({ replies: [['talk', 'connect', 'notify'], []], forged: 403 });
  });
});
