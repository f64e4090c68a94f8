// The phone tree's menu event handled seed style. Seed 000 (Flask) and seed 002's Python server read
// `request.json['data']` with no signature check; seed 002's PHP and Ruby versions check it (Webhook::constructEvent,
// Webhook::Signature.verify). This server checks it the way the telnyx SDK's README does, so the baseline does the
// security work callflow does: Express + express.raw, client.webhooks.unwrap() (the Ed25519 check over WebCrypto, the
// key imported on every event, the 300 s timestamp window, then JSON.parse), the state in client_state (base64), the
// next command sent through the SDK client (to the load test's stand-in API over HTTP, or to the in-process counter). It
// keeps no state and de-duplicates nothing.
import { createServer } from 'node:http';
import express from 'express';
import { Telnyx } from 'telnyx';
import { config, createCommandCounter, listen } from './common.mjs';

const counter = createCommandCounter();
// With `apiUrl` the SDK sends over HTTP to the stand-in API (telnyx-api.mjs) with its own fetch; without it, to the counter.
const client = new Telnyx({
  apiKey: 'bench',
  publicKey: config.publicKey,
  maxRetries: 0,
  ...(config.apiUrl ? { baseURL: config.apiUrl } : { fetch: counter.fetch }),
});
const encode = (state) => Buffer.from(state).toString('base64');
const decode = (value) => (value ? Buffer.from(value, 'base64').toString() : undefined);
const prompts = {
  menu: 'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
  hours:
    'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.',
};
const exits = {
  menu: (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'menu',
  hours: (digits) => (digits === '1' ? 'hours' : 'menu'),
};

const app = express();
app.get('/__bench/commands', (_req, res) => res.json(counter.counts));
app.post('/telnyx', express.raw({ type: 'application/json' }), async (req, res) => {
  let event;
  try {
    event = await client.webhooks.unwrap(req.body.toString(), { headers: req.headers });
  } catch {
    return res.status(403).end();
  }
  const data = event.data;
  const id = data.payload.call_control_id;
  if (data.event_type === 'call.initiated' && data.payload.direction === 'incoming') {
    await client.calls.actions.answer(id, { client_state: encode('answered') });
  } else if (data.event_type === 'call.answered') {
    await client.calls.actions.gatherUsingSpeak(id, {
      payload: prompts.menu,
      valid_digits: '012349',
      maximum_digits: 1,
      language: 'en-US',
      voice: 'female',
      client_state: encode('menu'),
    });
  } else if (data.event_type === 'call.gather.ended') {
    const state = decode(data.payload.client_state);
    const next = exits[state]?.(data.payload.digits) ?? 'menu';
    if (prompts[next]) {
      await client.calls.actions.gatherUsingSpeak(id, {
        payload: prompts[next],
        valid_digits: '0123456789',
        maximum_digits: 1,
        language: 'en-US',
        voice: 'female',
        client_state: encode(next),
      });
    } else {
      await client.calls.actions.transfer(id, { to: '+15005550006' });
    }
  }
  res.status(200).end();
});
listen(createServer(app));
