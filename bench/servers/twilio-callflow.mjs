// callflow on Twilio: the phone tree served by createTwilioHandler, on node:http or mounted in Express (no body parser).
import { createServer } from 'node:http';
import express from 'express';
import { parseFlow, toNodeListener } from '@callflow/core';
import { createTwilioHandler } from '@callflow/twilio';
import { config, listen, readFlowJson } from './common.mjs';

const handler = createTwilioHandler({
  flow: parseFlow(readFlowJson(), { format: 'json' }),
  secret: config.secret,
  authToken: config.authToken,
  publicBaseUrl: config.publicUrl,
});
const listener = toNodeListener(handler);

if (config.mode === 'express') {
  const app = express();
  app.post('/voice', listener);
  listen(createServer(app));
} else {
  listen(createServer(listener));
}
