// callflow on Telnyx: the phone tree served by createTelnyxHandler, on node:http or mounted in Express (no body parser).
// Commands go through a real telnyx SDK client, or with `client: 'built-in'` through createCallControlClient (the telnyx
// SDK is then never loaded); either way its `fetch` is the in-process counter of common.mjs (no network).
// With `preseed`, that many calls are started in-process before listening (signed call.initiated and call.speak.ended events), so the
// load can press 3 at each call's menu; their client_state values are written to `clientStatesPath`.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import express from 'express';
import { parseFlow, silentLogger, toNodeListener } from '@callflow/core';
import { createCallControlClient, createTelnyxHandler, signTelnyxEvent } from '@callflow/telnyx';
import { config, createCommandCounter, listen, readFlowJson } from './common.mjs';

// With `apiUrl` the commands go over HTTP to the stand-in API (telnyx-api.mjs), through the client's own transport
// (node:http for the built-in client, the SDK's fetch for the SDK); without it, to the in-process counter.
const counter = createCommandCounter();
const api = config.apiUrl ? { baseUrl: config.apiUrl } : { fetch: counter.fetch };
const client =
  config.client === 'built-in'
    ? createCallControlClient({ apiKey: 'bench', ...api })
    : new (await import('telnyx')).Telnyx({
        apiKey: 'bench',
        maxRetries: 0,
        ...(config.apiUrl ? { baseURL: config.apiUrl } : { fetch: counter.fetch }),
      });
const handler = createTelnyxHandler({
  flow: parseFlow(readFlowJson(), { format: 'json' }),
  secret: config.secret,
  publicKey: config.publicKey,
  client,
  logger: silentLogger,
});

async function deliver(eventType, index, payload) {
  const body = JSON.stringify({
    data: {
      record_type: 'event',
      event_type: eventType,
      id: `${eventType}-${index}`,
      occurred_at: new Date().toISOString(),
      payload: {
        call_control_id: `v3:bench-${index}`,
        call_leg_id: `leg-${index}`,
        call_session_id: `session-${index}`,
        from: '+15551230000',
        to: '+15559870000',
        ...payload,
      },
    },
  });
  const headers = await signTelnyxEvent(body, { privateKey: config.privateKey });
  const response = await handler(
    new Request('http://127.0.0.1/telnyx', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body }),
  );
  if (response.status !== 200) throw new Error(`preseed ${eventType} answered ${response.status}`);
}

/** The last client_state the stand-in API received for each call. */
async function apiClientStates() {
  return (await fetch(`${config.apiUrl}/__bench/client-states`)).json();
}

/** Each call: call.initiated (→ answer, speak the greeting), call.speak.ended (→ gather_using_speak, the menu). */
async function preseed(count) {
  for (let index = 0; index < count; index++) {
    await deliver('call.initiated', index, { direction: 'incoming', state: 'parked' });
    const callId = `v3:bench-${index}`;
    const clientState = config.apiUrl
      ? await (await fetch(`${config.apiUrl}/__bench/client-state?call=${encodeURIComponent(callId)}`)).json()
      : counter.clientStates.get(callId);
    await deliver('call.speak.ended', index, { status: 'completed', client_state: clientState });
  }
  writeFileSync(
    config.clientStatesPath,
    JSON.stringify(config.apiUrl ? await apiClientStates() : Object.fromEntries(counter.clientStates)),
  );
}

const listener = toNodeListener(handler);
const stats = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(counter.counts));
};
await preseed(config.preseed ?? 0);
if (config.mode === 'express') {
  const app = express();
  app.get('/__bench/commands', stats);
  app.post('/telnyx', listener);
  listen(createServer(app));
} else {
  listen(createServer((req, res) => (req.url === '/__bench/commands' ? stats(req, res) : listener(req, res))));
}
