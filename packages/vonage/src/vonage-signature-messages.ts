// What a refused Vonage signature says, in a chunk of its own: only a webhook whose signature is refused (forged, stale,
// replayed, misconfigured) loads it, so a handler whose webhooks verify never carries these words (issue 17).

/** The message of each refusal `verifyVonageSignature` can return, by what was wrong. */
export const signatureMessages = {
  noSecret: () => 'no signature secret configured',
  noHeader: () => 'no Authorization header',
  notBearer: () => 'Authorization is not "Bearer <jwt>"',
  notJson: () => 'JWT header or claims are not JSON',
  notObjects: () => 'JWT header or claims are not JSON objects',
  algorithm: (alg: unknown) => `JWT alg ${String(alg)} refused; only HS256`,
  signatureNotBase64Url: () => 'JWT signature is not base64url',
  badSignature: () => 'JWT signature does not match the signature secret',
  iat: () => 'JWT iat is missing or not a number of seconds',
  exp: () => 'JWT exp is not a number of seconds',
  nbf: () => 'JWT nbf is not a number of seconds',
  jti: () => 'JWT jti is not a string of 1 to 256 characters',
  payloadHashShape: () => 'JWT payload_hash is not a SHA-256 hex digest',
  tooOld: (ageSeconds: number, maxAgeSeconds: number) => `JWT issued ${Math.round(ageSeconds)} s ago, over ${maxAgeSeconds} s`,
  future: (aheadSeconds: number, skewSeconds: number) =>
    `JWT issued ${Math.round(aheadSeconds)} s in the future, over the ${skewSeconds} s clock skew`,
  expired: (pastSeconds: number) => `JWT expired ${Math.round(pastSeconds)} s ago`,
  notYetValid: (aheadSeconds: number) => `JWT not valid for another ${Math.round(aheadSeconds)} s`,
  noPayloadHash: () => 'JWT has no payload_hash for a request with a payload',
  payloadHash: () => 'payload_hash does not match the body (tampered or re-encoded by a body parser)',
  noJti: () => 'JWT has no jti, so a replay cannot be told apart',
  replayed: (jti: string) => `JWT jti '${jti.slice(0, 64)}' was already used (a replayed request)`,
};
