// The phone tree's menu webhook written the way the Vonage seed (004) and docs do it: Express + express.json,
// @vonage/jwt verifySignature on the Bearer JWT, payload_hash compared with the body's SHA-256 (as Vonage's
// signed-webhooks guide asks), the next state from the digits, the NCCO from @vonage/voice's NCCOBuilder.
// The state rides in the input URL (?state=…), unsigned.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { verifySignature } from '@vonage/jwt';
import { Input, NCCOBuilder, Talk } from '@vonage/voice';
import { config, listen } from './common.mjs';

const inputUrl = (state, uuid) => `${config.publicUrl}/input?state=${state}&call=${uuid}`;
const menuPrompt =
  'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.';
const hoursPrompt =
  'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.';

const gatherNcco = (prompt, state, uuid) =>
  new NCCOBuilder()
    .addAction(new Talk(prompt, true, undefined, undefined, 'en-US'))
    .addAction(new Input({ maxDigits: 1, timeOut: 5, submitOnHash: true }, undefined, inputUrl(state, uuid), 'POST'))
    .build();

const enter = {
  menu: (uuid) => gatherNcco(menuPrompt, 'menu', uuid),
  hours: (uuid) => gatherNcco(hoursPrompt, 'hours', uuid),
  error: (uuid) => [
    new Talk('Sorry, that is not a valid option.', false, undefined, undefined, 'en-US').serializeToNCCO(),
    ...enter.menu(uuid),
  ],
};
const exits = {
  menu: (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'error',
  hours: (digits) => (digits === '1' ? 'hours' : 'menu'),
};

const app = express();
app.use(express.json({ verify: (req, _res, buffer) => (req.rawBody = buffer) }));

function verified(req) {
  const token = (req.headers.authorization ?? '').split(' ')[1];
  if (!token || !verifySignature(token, config.signatureSecret)) return false;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  return (
    claims.payload_hash ===
    createHash('sha256')
      .update(req.rawBody ?? '')
      .digest('hex')
  );
}

app.post('/vonage/input', (req, res) => {
  if (!verified(req)) return res.status(401).end();
  const next = exits[req.query.state]?.(req.body.dtmf?.digits) ?? 'menu';
  const build = enter[next] ?? enter.menu;
  res.json(build(req.query.call));
});
listen(createServer(app));
