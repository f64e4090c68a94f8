import express from 'express';
import { toNodeListener } from '@callflow/core';
import { createTwilioHandler } from '@callflow/twilio';
import { flow } from './first-flow.js';

const handler = createTwilioHandler({ flow, secret: process.env.CALLFLOW_SECRET!, authToken: process.env.TWILIO_AUTH_TOKEN, publicBaseUrl: process.env.PUBLIC_BASE_URL! });

export const app = express();
// Mount the handler before any body parser: signatures are checked against the raw request.
app.all('/voice', toNodeListener(handler));
app.use(express.json());
