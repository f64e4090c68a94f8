import { responseOf, textReply } from './reply.js';

/** A plain-text response with a status, for refusals (403, 400, 503) and an application's own routes. */
export function textResponse(status: number, text: string): Response {
  return responseOf(textReply(status, text));
}
