// The ceiling: a server that does no webhook work at all and answers the same 550-byte TwiML document, on node:http
// or in Express (with express.urlencoded, as the seed-style baseline). No handler can be faster on this machine.
import { createServer } from 'node:http';
import express from 'express';
import { config, listen } from './common.mjs';

const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" action="https://ivr.example.com/voice?t=${'x'.repeat(110)}" method="POST" actionOnEmptyResult="true" numDigits="1"><Say voice="woman" language="en-US">We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.</Say></Gather><Redirect method="POST">https://ivr.example.com/voice?t=${'x'.repeat(110)}</Redirect></Response>`;

if (config.mode === 'express') {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/voice', (_req, res) => res.type('text/xml').send(twiml));
  listen(createServer(app));
} else {
  listen(
    createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'text/xml');
        res.end(twiml);
      });
    }),
  );
}
