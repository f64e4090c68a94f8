const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index++) binary += String.fromCharCode(bytes[index]!);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** An Ed25519 signer as Telnyx signs webhooks: `telnyx-signature-ed25519` = Ed25519(`${timestamp}|${body}`). */
export interface TelnyxWebhookSigner {
  /** The public key, base64 of 32 raw bytes, as Mission Control shows it. */
  publicKey: string;
  /** The private key, base64 PKCS#8. */
  privateKey: string;
  sign(rawBody: string, timestampSeconds?: number): Promise<Record<string, string>>;
}

/** Creates a signer from a base64 PKCS#8 private key, or a fresh key pair. */
export async function createTelnyxWebhookSigner(privateKey?: string): Promise<TelnyxWebhookSigner> {
  let key: CryptoKey;
  let pkcs8: string;
  if (privateKey) {
    key = await crypto.subtle.importKey('pkcs8', fromBase64(privateKey), { name: 'Ed25519' }, true, ['sign']);
    pkcs8 = privateKey;
  } else {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    key = pair.privateKey;
    pkcs8 = toBase64(new Uint8Array(await crypto.subtle.exportKey('pkcs8', key)));
  }
  // The JWK of an Ed25519 private key carries its public half as `x` (base64url).
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const publicKey = toBase64(fromBase64(jwk.x!.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (jwk.x!.length % 4)) % 4)));
  return {
    publicKey,
    privateKey: pkcs8,
    async sign(rawBody, timestampSeconds) {
      const timestamp = String(timestampSeconds ?? Math.floor(Date.now() / 1000));
      const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', key, encoder.encode(`${timestamp}|${rawBody}`)));
      return { 'telnyx-signature-ed25519': toBase64(signature), 'telnyx-timestamp': timestamp };
    },
  };
}
