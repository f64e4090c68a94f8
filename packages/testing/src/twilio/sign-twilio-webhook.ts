import { createHmac } from 'node:crypto';

/**
 * The `X-Twilio-Signature` Twilio puts on a webhook: base64 HMAC-SHA1, keyed with the auth token, of the URL exactly as
 * requested followed by each POST field's name and value in name order (repeated values sorted and deduplicated).
 * provider: https://www.twilio.com/docs/usage/security ("Validating signatures from Twilio"); written independently of
 * @callflow/twilio and checked against the twilio SDK's getExpectedTwilioSignature in twilio-emulator.test.ts.
 */
export function twilioSignatureOf(authToken: string, url: string, params: Readonly<Record<string, string | readonly string[]>>): string {
  let signed = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
    for (const item of values) signed += name + item;
  }
  return createHmac('sha1', authToken).update(Buffer.from(signed, 'utf-8')).digest('base64');
}
