import { CallFlowError } from '../errors.js';
import type { Engine } from '../engine/create-engine.js';
import type { Support } from '../engine/adapter.js';
import type { AnsweredBy } from './call-events.js';

/** What a provider can do for a call beside its steps: place it, tell a machine from a person, report its lifecycle. */
export type CallFeature = 'start-call' | 'machine-detection' | 'call-events';

/** How each call feature runs on a provider; the capability matrix lists them under the steps. */
export type CallFeatures = Record<CallFeature, { support: Support; note?: string }>;

/** What an outbound call runs once answered: a node (default the flow's start) with call variables. */
export interface OutboundTarget {
  node?: string;
  vars?: Record<string, string>;
}

/**
 * The signed start of an outbound call: the provider does not know the call's id before it is placed, so the token
 * is bound to a fresh `nonce` that rides beside it in the answer webhook's URL (or `client_state`).
 */
export interface OutboundStart {
  nonce: string;
  token: string;
}

/** The id a start token is bound to: the nonce, in a namespace no provider call id uses. */
export function outboundCallId(nonce: string): string {
  return `outbound:${nonce}`;
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/**
 * Signs the start of an outbound call: checks the node exists and the variables are strings, then signs the position
 * (node, step 0) with the variables for a fresh nonce. The pipeline verifies it like any continuation token.
 * @example const start = await signOutboundStart(handler.engine, { node: 'reminder', vars: { name: 'Ada' } });
 */
export async function signOutboundStart(engine: Engine, target: OutboundTarget, provider: string): Promise<OutboundStart> {
  const node = target.node ?? engine.flow.start;
  if (!(node in engine.flow.nodes)) throw new CallFlowError('invalid-options', `unknown node '${node}'`, { provider, node });
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.vars ?? {})) {
    if (typeof value !== 'string') throw new CallFlowError('invalid-options', `call variable '${name}' must be a string`, { provider });
    vars[name] = value;
  }
  const nonce = randomNonce();
  const token = await engine.sign(
    { node, step: 0, kind: 'media', tries: {}, vars, promptOffset: 0 },
    { callId: outboundCallId(nonce), provider },
  );
  return { nonce, token };
}

/** The node an answered outbound call runs: its start node, or the flow's machine-detection route for who answered. */
export function answerRoute(engine: Engine, startNode: string, answeredBy: AnsweredBy | undefined): string {
  const routes = engine.flow.machineDetection;
  if (!routes || answeredBy === undefined) return startNode;
  const human = routes.onHuman ?? startNode;
  if (answeredBy === 'machine') return routes.onMachine;
  if (answeredBy === 'unknown') return routes.onUnknown ?? human;
  return human;
}

/** An outbound call, the same on every provider: who to call, from which number, and what the flow does once answered. */
export interface StartCallOptions extends OutboundTarget {
  /** A phone number in E.164 form, or a SIP address. */
  to: string | { sip: string };
  /** The caller id the called party sees: a number of the account (E.164). */
  from: string;
  /** Seconds to ring before giving up (`no-answer`); default 30. */
  ringSeconds?: number;
  /** Ask the provider who answered and route on `flow.machineDetection`; default: on when the flow has `machineDetection`. */
  machineDetection?: boolean;
}

/** The checked parts of `StartCallOptions` an adapter needs; throws `invalid-options` naming the field. */
export function checkStartCall(
  engine: Engine,
  options: StartCallOptions,
  provider: string,
): { to: { phone: string } | { sip: string }; ringSeconds: number; machineDetection: boolean; waitForBeep: boolean } {
  const fail = (field: string, message: string): never => {
    throw new CallFlowError('invalid-options', `startCall ${field} ${message}`, { provider });
  };
  const to =
    typeof options.to === 'string'
      ? /^\+?[0-9]{3,15}$/.test(options.to)
        ? { phone: options.to.startsWith('+') ? options.to : `+${options.to}` }
        : fail('to', 'must be a phone number in E.164 form or { sip }')
      : typeof options.to?.sip === 'string' && /^sips?:[^\s@]+@\S+$/.test(options.to.sip)
        ? { sip: options.to.sip }
        : fail('to.sip', 'must be a SIP URI, e.g. sip:alice@example.com');
  if (typeof options.from !== 'string' || !/^\+?[0-9]{3,15}$/.test(options.from)) fail('from', 'must be a phone number in E.164 form');
  const ringSeconds = options.ringSeconds ?? 30;
  if (typeof ringSeconds !== 'number' || !Number.isFinite(ringSeconds) || ringSeconds < 5 || ringSeconds > 600)
    fail('ringSeconds', 'must be 5 to 600');
  const routes = engine.flow.machineDetection;
  const machineDetection = options.machineDetection ?? routes !== undefined;
  if (machineDetection && !routes) fail('machineDetection', "needs the flow's machineDetection routes (onMachine at least)");
  return { to, ringSeconds, machineDetection, waitForBeep: machineDetection && routes?.waitForBeep !== false };
}
