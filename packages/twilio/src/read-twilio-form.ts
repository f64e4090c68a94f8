import { CallFlowError, type RawWebhook } from '@callflow/core';
import type { TwilioParams } from './parse-twilio-webhook.js';
import { twilioSignaturePayload } from './verify-twilio-signature.js';

/** A Twilio webhook's fields: as the flow reads them, and as Twilio signed them (form fields, or the JSON body's hash). */
export interface TwilioFields {
  params: TwilioParams;
  signedParams?: Record<string, string | string[]>;
  /** The fields' part of the signed string (each name then its value, in name order), when they came from a form. */
  signedText?: string;
  /** The raw JSON body, signed through `bodySHA256` instead of its fields. */
  body?: string;
}

/** The value of one hex digit's character code, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * A form name or value decoded ('+' a space, then each %XX). Most of a Twilio form needs none; most of the rest is
 * ASCII escapes (%2B in a number, %3A in a URL), decoded here; a part with any other escape (a byte of a multi-byte
 * UTF-8 character, or a malformed one) is left to decodeURIComponent, which throws on a malformed escape.
 */
function decodeFormPart(part: string): string {
  let percent = part.indexOf('%');
  const spaced = part.indexOf('+') === -1 ? part : part.replaceAll('+', ' ');
  if (percent === -1) return spaced;
  let decoded = '';
  let from = 0;
  while (percent !== -1) {
    const high = hexValue(spaced.charCodeAt(percent + 1));
    const low = hexValue(spaced.charCodeAt(percent + 2));
    // An escape outside ASCII, or not two hex digits (NaN past the end gives -1): decodeURIComponent's call.
    if (high < 0 || low < 0 || high > 7) return decodeURIComponent(spaced);
    decoded += spaced.slice(from, percent) + String.fromCharCode(high * 16 + low);
    from = percent + 3;
    percent = spaced.indexOf('%', from);
  }
  return decoded + spaced.slice(from);
}

/**
 * One pass over a form body: the fields as the flow reads them (a repeated name keeps its last value) and the text
 * Twilio signed. Twilio sends its fields in name order, so the signed text is built as the fields are read; only a
 * form whose names arrive out of order or repeated has its fields grouped and sorted (`twilioSignaturePayload`).
 * Throws on a malformed escape. The pipeline has already capped the field count.
 */
function readForm(text: string): TwilioFields {
  const params: TwilioParams = Object.create(null) as TwilioParams;
  let signedText = '';
  let previous: string | undefined;
  let ordered = true;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const equals = text.indexOf('=', start);
      const hasValue = equals !== -1 && equals < end;
      const name = decodeFormPart(text.slice(start, hasValue ? equals : end));
      const value = hasValue ? decodeFormPart(text.slice(equals + 1, end)) : '';
      // String comparison is by UTF-16 code units, the order Array.prototype.sort gives the signature's names.
      if (ordered && previous !== undefined && !(name > previous)) ordered = false;
      if (ordered) signedText += name + value;
      previous = name;
      params[name] = value;
    }
    start = end + 1;
  }
  // Grouped only when needed: for the signature of a form out of order, or for callers of the exported reader.
  let grouped = ordered ? undefined : groupForm(text);
  return {
    params,
    signedText: grouped ? twilioSignaturePayload('', grouped) : signedText,
    get signedParams() {
      grouped ??= groupForm(text);
      return grouped;
    },
  };
}

/** Every value of every field, repeated names as lists: what the signature covers when names repeat or arrive unsorted. */
function groupForm(text: string): Record<string, string | string[]> {
  const signedParams: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeFormPart(equals === -1 ? part : part.slice(0, equals));
    const value = equals === -1 ? '' : decodeFormPart(part.slice(equals + 1));
    const existing = signedParams[name];
    signedParams[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return signedParams;
}

// The webhook read last and its fields: the pipeline's verify and parse read the same webhook one after the other. A
// WeakMap entry per webhook cost more than reading the form (its table grows and is swept with every short-lived key).
let lastWebhook: RawWebhook | undefined;
let lastFields: TwilioFields | undefined;

function malformed(message: string): CallFlowError {
  return new CallFlowError('invalid-webhook', message, { provider: 'twilio' });
}

/** The fields of a Twilio webhook (query for GET, JSON, or form), read once per webhook; throws `invalid-webhook` when malformed. */
export function readTwilioFields(webhook: RawWebhook): TwilioFields {
  if (webhook === lastWebhook) return lastFields!;
  let fields: TwilioFields;
  if (webhook.method === 'GET' || webhook.method === 'HEAD') {
    const params: TwilioParams = {};
    for (const [name, value] of webhook.url.searchParams) params[name] = value;
    fields = { params, signedParams: {}, signedText: '' };
  } else {
    const type = (webhook.headers.get('content-type') ?? '').toLowerCase();
    if (type.includes('application/json')) {
      let value: unknown;
      try {
        value = JSON.parse(webhook.text);
      } catch {
        throw malformed('malformed webhook body: not JSON');
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('malformed webhook body: not a JSON object');
      const params: TwilioParams = {};
      for (const [name, field] of Object.entries(value)) if (field !== null && typeof field !== 'object') params[name] = String(field);
      fields = { params, body: webhook.text };
    } else {
      if (type !== '' && !type.includes('application/x-www-form-urlencoded'))
        throw malformed(`malformed webhook body: unexpected content type '${type.slice(0, 60)}'`);
      try {
        fields = readForm(webhook.text);
      } catch {
        throw malformed('malformed webhook body: bad escape in the form');
      }
    }
  }
  lastWebhook = webhook;
  lastFields = fields;
  return fields;
}
