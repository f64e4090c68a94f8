import { CallFlowError } from '@callflow/core';
import { requirePlanningChunk } from './planning-chunk.js';

/**
 * Longest `client_state` (base64 characters) callflow sends. Telnyx documents no limit, so stay well under
 * what proxies and SIP headers tolerate; a longer state means too many `saveAs` variables for one call.
 */
export const maxClientStateLength = 4096;

/** What a `client_state` carries: the caller's continuation, a transfer's far leg, or a queue left by a key press. */
export type ClientState = (
  | {
      kind: 'position';
      /**
       * The caller's leg, carried only where the resuming event lacks `call_control_id`: `call.recording.saved` as
       * documented has `call_leg_id`/`call_session_id` but no `call_control_id` (provider: telnyx SDK
       * resources/webhooks.d.ts `CallRecordingSaved.Payload`), and callflow's tokens are bound to the call control id.
       */
      callControlId?: string;
    }
  | { kind: 'peer' /** The caller's leg the far leg belongs to. */; callControlId: string }
  | {
      /** The far leg of a transfer callflow dials itself (screening, a spoken whisper) and bridges once it is accepted. */
      kind: 'far';
      /** The caller's leg. */
      callControlId: string;
      /** `dial` ringing, `prompt` a part of the whisper (or of the screening prompt) playing, `screen` the accept-key gather, `declined` hung up by callflow. */
      stage: FarLegStage;
      /** Which part plays, at stage `prompt` (0 otherwise). */
      part: number;
    }
  | { kind: 'left-queue'; digit: string }
  | {
      kind: 'outbound';
      /** The nonce the start token is bound to (the call control id is not known before `calls.dial`). */
      nonce: string;
      /** Machine detection: `off`, `detect` (route at call.machine.detection.ended), or `beep` (a machine at call.machine.greeting.ended). */
      detection: 'off' | 'detect' | 'beep';
    }
  | {
      kind: 'hold';
      /** Which play of the hold music this is, from 1. */
      segment: number;
      /** The queue wait (seconds) at the last announcement of the caller's place; absent before the first. */
      announcedAt?: number;
    }
) & {
  /** The continuation token. */
  token: string;
  /**
   * The call's move number: tokens of the same position are equal (a menu asked twice), so events are told
   * apart, and stale ones refused, by this per-call counter.
   */
  sequence: number;
};

/** Where the far leg of a dialled transfer is. */
export type FarLegStage = 'dial' | 'prompt' | 'screen' | 'declined';

/** Encodes a client state as standard base64 on one line (Telnyx cuts `client_state` at the first newline), size-checked. */
export function encodeClientState(state: ClientState): string {
  const position = `${state.sequence} ${state.token}`;
  const text =
    state.kind === 'position'
      ? state.callControlId === undefined
        ? position
        : `call ${state.callControlId} ${position}`
      : state.kind === 'peer'
        ? `peer ${state.callControlId} ${position}`
        : state.kind === 'far'
          ? `far ${state.callControlId} ${state.stage} ${state.part} ${position}`
          : state.kind === 'outbound'
            ? `out ${state.nonce} ${state.detection} ${position}`
            : state.kind === 'hold'
              ? `hold ${state.segment} ${state.announcedAt ?? '-'} ${position}`
              : `left ${state.digit} ${position}`;
  // Ids and tokens are ASCII, whose UTF-8 is the text itself: btoa encodes it in one step.
  const encoded = btoa(asciiOnly.test(text) ? text : utf8Binary(text));
  if (encoded.length > maxClientStateLength) {
    throw new CallFlowError(
      'flow-failed',
      `client_state is ${encoded.length} characters, over the ${maxClientStateLength} limit; save fewer variables`,
      { provider: 'telnyx' },
    );
  }
  return encoded;
}

/** Decodes a `client_state` written by `encodeClientState`; `undefined` for anything else (another app's state, garbage). */
export function decodeClientState(value: unknown): ClientState | undefined {
  if (typeof value !== 'string' || value === '' || value.length > maxClientStateLength || !/^[A-Za-z0-9+/]+={0,2}$/.test(value))
    return undefined;
  const text = base64ToText(value);
  if (text === undefined) return undefined;
  const parts = text.split(' ');
  const sequenceText = parts.length >= 2 ? parts[parts.length - 2]! : '';
  const sequence = Number(sequenceText);
  const token = parts[parts.length - 1];
  if (!/^\d{1,9}$/.test(sequenceText) || token === undefined || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return undefined;
  if (parts.length === 2) return { kind: 'position', sequence, token };
  if (parts.length === 4 && parts[0] === 'call' && parts[1]) return { kind: 'position', callControlId: parts[1], sequence, token };
  if (parts.length === 4 && parts[0] === 'peer' && parts[1]) return { kind: 'peer', callControlId: parts[1], sequence, token };
  // The kinds only some calls carry (a dialled transfer's far leg, a queue's hold music and escape, an outbound leg): read
  // by the planning chunk (telnyx-wait-commands.ts), as the commands that write them are.
  if (parts[0] === 'far' || parts[0] === 'left' || parts[0] === 'out' || parts[0] === 'hold')
    return requirePlanningChunk(
      'the client states of a dialled transfer, a queue and an outbound leg',
      'decodeClientState or parseTelnyxEvent',
    ).decodeClientStateKind(parts, sequence, token);
  return undefined;
}

const asciiOnly = /^[\x00-\x7f]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Standard base64 (padding optional, checked by the caller to be of that alphabet) → its UTF-8 text; `undefined` when
 * it is not whole bytes or not UTF-8. One `atob`, and for the usual ASCII state nothing more.
 */
function base64ToText(value: string): string | undefined {
  // Whole quads (what encodeClientState sends) are already valid base64 as they stand: no padding to strip and put back.
  const bare = value.length % 4 === 0 ? value : value.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  const binary = atob(bare.length % 4 === 0 ? bare : bare + '==='.slice((bare.length + 3) % 4));
  if (asciiOnly.test(binary)) return binary;
  try {
    return strictUtf8.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** The UTF-8 bytes of a text as a binary string (one character per byte), what `btoa` encodes. */
function utf8Binary(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return binary;
}

/** A deterministic `command_id`: the same call, position and command always give the same id, so a retried command is applied once. */
export function commandIdOf(callControlId: string, seed: string, index: number, action: string): string {
  return `${commandIdStem(callControlId, seed)}-${index}-${action}`;
}

/** The part of `commandIdOf` shared by every command of one planning (same call, same position): hashed once for them all. */
export function commandIdStem(callControlId: string, seed: string): string {
  return `cf-${base36(hash53(`${callControlId}\n${seed}`))}`;
}

/** 36^5: below it, and for the quotient of a 53-bit value by it, a number is a small integer, which V8 prints in any radix fast. */
const base36Split = 60_466_176;

/** `value.toString(36)` for an integer in [0, 2^53), as two small-integer conversions: the same text, several times faster on V8. */
function base36(value: number): string {
  const low = value % base36Split;
  // Exact: value - low is a multiple of 36^5 below 2^53.
  const high = (value - low) / base36Split;
  const lowText = low.toString(36);
  return high === 0 ? lowText : `${high.toString(36)}${'00000'.slice(lowText.length)}${lowText}`;
}

// cyrb53: a fast, well-spread 53-bit string hash (not cryptographic; ids only need to be distinct per call).
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
