import type { CallState } from '../token/call-token.js';

/** The state after a waiting step: at `node`, or else the next step (`next`) or the end of the call (`end`). */
export function moveTo(from: CallState, node: string | undefined, fallback: 'next' | 'end'): CallState | 'end' {
  if (node !== undefined) return { ...from, node, step: 0, kind: 'media', promptOffset: 0, reask: undefined };
  return fallback === 'end' ? 'end' : { ...from, step: from.step + 1, kind: 'media', promptOffset: 0, reask: undefined };
}
