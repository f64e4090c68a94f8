// callflow on Vonage: the phone tree served by createVonageHandler (memory store), on node:http or mounted in Express.
// With `preseed`, that many calls are answered through the handler before listening (answerVonageCalls in common.mjs).
import { createServer } from 'node:http';
import express from 'express';
import { parseFlow, toNodeListener } from '@callflow/core';
import { createVonageHandler } from '@callflow/vonage';
import { answerVonageCalls, config, listen, readFlowJson } from './common.mjs';

const handler = createVonageHandler({
  flow: parseFlow(readFlowJson(), { format: 'json' }),
  secret: config.secret,
  signatureSecret: config.signatureSecret,
  publicBaseUrl: config.publicUrl,
});
const listener = toNodeListener(handler);

await answerVonageCalls(handler);
if (config.mode === 'express') {
  const app = express();
  app.use('/vonage', listener);
  listen(createServer(app));
} else {
  listen(createServer(listener));
}
