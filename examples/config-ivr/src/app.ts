import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseFlow, toNodeListener, type Effect, type Hook, type Logger, type StaticFlow } from '@callflow/core';
import { createTwilioHandler, type TwilioHandler } from '@callflow/twilio';

/** The flow file shipped with the example. */
export const defaultFlowFile = fileURLToPath(new URL('../ivr.yaml', import.meta.url));

/** Reads and validates a YAML or JSON flow file; every problem is reported with its line. */
export function loadFlow(file = defaultFlowFile): StaticFlow {
  return parseFlow(readFileSync(file, 'utf8'), { fileName: file });
}

/** The slice of the `twilio` client the SMS alert uses (`client.messages.create`). */
export interface SmsClient {
  messages: { create(options: { from: string; to: string; body: string }): Promise<{ sid: string }> };
}

/**
 * The seed's voicemail alert: an SMS with a link to the recording, sent through the `twilio` client.
 * @example hooks: { voicemail_sms: voicemailSmsAlert(twilio(sid, token), { from, to }) }
 */
export function voicemailSmsAlert(client: SmsClient, numbers: { from: string; to: string }): Hook {
  return async (effect: Effect) => {
    const seconds = effect.recording?.durationSeconds;
    const body = `New voicemail from ${effect.call.from ?? 'an unknown number'}${seconds === undefined ? '' : ` (${seconds} s)`}: ${effect.recording?.url ?? 'no recording'}.mp3`;
    await client.messages.create({ from: numbers.from, to: numbers.to, body });
  };
}

/** Settings of the config IVR. */
export interface ConfigIvrOptions {
  authToken: string | undefined;
  secret: string;
  /** The exact public URL Twilio calls (e.g. the API Gateway route). */
  publicBaseUrl: string;
  flow?: StaticFlow;
  /** Sends the voicemail SMS; without it the alert is logged. */
  smsClient?: SmsClient;
  alertFrom?: string;
  alertTo?: string;
  logger?: Logger;
  /** The clock (business hours are decided with it). */
  now?: () => number;
}

/** The IVR as a web-standard handler, for node:http, Express, or Lambda. */
export function createConfigIvr(options: ConfigIvrOptions): TwilioHandler {
  const logger = options.logger ?? console;
  const alert: Hook =
    options.smsClient && options.alertFrom && options.alertTo
      ? voicemailSmsAlert(options.smsClient, { from: options.alertFrom, to: options.alertTo })
      : (effect) => logger.warn('voicemail left (no SMS client configured)', { from: effect.call.from, url: effect.recording?.url });
  return createTwilioHandler({
    flow: options.flow ?? loadFlow(),
    secret: options.secret,
    authToken: options.authToken,
    publicBaseUrl: options.publicBaseUrl,
    hooks: { voicemail_sms: alert },
    logger,
    now: options.now,
  });
}

/** A running IVR server. */
export interface RunningConfigIvr {
  server: http.Server;
  voiceUrl: string;
  handler: TwilioHandler;
  close(): Promise<void>;
}

/** Starts the IVR on node:http at `/ivr` (port 0 picks a free one); `publicBaseUrl` defaults to the local URL. */
export async function startConfigIvr(
  options: Omit<ConfigIvrOptions, 'publicBaseUrl'> & { publicBaseUrl?: string; port?: number; host?: string },
): Promise<RunningConfigIvr> {
  const server = http.createServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const voiceUrl = `http://${host}:${(server.address() as AddressInfo).port}/ivr`;
  const handler = createConfigIvr({ ...options, publicBaseUrl: options.publicBaseUrl ?? voiceUrl });
  const listener = toNodeListener(handler);
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    if ((request.url ?? '/').split('?')[0] !== '/ivr') {
      response.statusCode = 404;
      response.end('not found');
      return;
    }
    listener(request, response);
  });
  return { server, voiceUrl, handler, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
