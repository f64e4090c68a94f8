import { requestFromEvent, toLambdaHandler, type ApiGatewayEvent, type ApiGatewayResult } from '@callflow/core';
import { createConfigIvr, type SmsClient } from './app.js';

// The API Gateway bridge lives in @callflow/core; re-exported here for the example's tests and README.
export { requestFromEvent, toLambdaHandler };
export type { ApiGatewayEvent, ApiGatewayResult };

let cached: ((event: ApiGatewayEvent) => Promise<ApiGatewayResult>) | undefined;

/** The Lambda entry point: configuration from the environment, built once per container. */
export async function handler(event: ApiGatewayEvent): Promise<ApiGatewayResult> {
  if (!cached) {
    const secret = process.env.CALLFLOW_SECRET;
    const publicBaseUrl = process.env.PUBLIC_BASE_URL;
    if (!secret || !publicBaseUrl) throw new Error('CALLFLOW_SECRET and PUBLIC_BASE_URL must be set');
    let smsClient: SmsClient | undefined;
    if (process.env.TWILIO_ACCOUNT_SID && process.env.TWILIO_AUTH_TOKEN) {
      // Only the SMS alert needs the SDK; load it lazily so cold starts stay light.
      const { default: twilio } = await import('twilio');
      smsClient = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
    }
    cached = toLambdaHandler(
      createConfigIvr({
        authToken: process.env.TWILIO_AUTH_TOKEN,
        secret,
        publicBaseUrl,
        smsClient,
        alertFrom: process.env.VOICEMAIL_ALERT_FROM,
        alertTo: process.env.VOICEMAIL_ALERT_TO,
      }),
    );
  }
  return cached(event);
}
