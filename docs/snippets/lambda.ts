import { toLambdaHandler } from '@callflow/core';
import { createTwilioHandler } from '@callflow/twilio';
import { flow } from './first-flow.js';

// API Gateway (REST v1 or HTTP v2) → Request → Response → API Gateway, as seed 003 deploys it.
// PUBLIC_BASE_URL must be the URL Twilio calls (the API Gateway stage URL and path), since it is what Twilio signs.
export const handler = toLambdaHandler(
  createTwilioHandler({ flow, secret: process.env.CALLFLOW_SECRET!, authToken: process.env.TWILIO_AUTH_TOKEN, publicBaseUrl: process.env.PUBLIC_BASE_URL! }),
);
