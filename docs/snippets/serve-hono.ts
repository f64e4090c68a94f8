import { Hono } from 'hono';
import { createVonageHandler } from '@callflow/vonage';
import { flow } from './first-flow.js';

const handler = createVonageHandler({
  flow,
  secret: process.env.CALLFLOW_SECRET!,
  signatureSecret: process.env.VONAGE_SIGNATURE_SECRET,
  publicBaseUrl: process.env.PUBLIC_BASE_URL!, // e.g. https://ivr.example.com/vonage: answer_url is …/vonage/answer
});

export const app = new Hono();
// Hono hands over the web-standard Request as it arrived, body untouched.
app.all('/vonage/*', (context) => handler(context.req.raw));
