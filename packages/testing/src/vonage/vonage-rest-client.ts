/**
 * A minimal Vonage Voice REST client for the emulator's `PUT /v1/calls/{uuid}` (transfer, hangup) and `GET`, shaped like the part
 * of `@vonage/server-sdk`'s `voice` the adapter uses, so tests need no SDK or private key. Its bearer token is a
 * placeholder the emulator accepts; a real Vonage refuses it.
 * @example createVonageHandler({ ..., voiceClient: createVonageRestClient(emulator.apiUrl) })
 */
export function createVonageRestClient(apiUrl: string): {
  voice: {
    transferCallWithNCCO(uuid: string, ncco: unknown[]): Promise<void>;
    transferCallWithURL(uuid: string, url: string): Promise<void>;
    hangupCall(uuid: string): Promise<void>;
    getCall(uuid: string): Promise<{ uuid: string; status: string; conversationUUID: string }>;
  };
} {
  async function put(uuid: string, body: unknown): Promise<void> {
    // provider: PUT /v1/calls/{uuid} with { action: 'transfer' | 'hangup', ... } (https://developer.vonage.com/en/api/voice#updateCall).
    const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/v1/calls/${encodeURIComponent(uuid)}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer emulator.placeholder.token', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    // As the SDK's errors: the answer's status in `response.status`, so a refusal is told apart from no answer at all.
    if (!response.ok)
      throw Object.assign(new Error(`PUT /v1/calls/${uuid} answered ${response.status}: ${text.slice(0, 200)}`), {
        response: { status: response.status },
      });
  }
  async function get(uuid: string): Promise<{ uuid: string; status: string; conversationUUID: string }> {
    const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/v1/calls/${encodeURIComponent(uuid)}`, {
      headers: { authorization: 'Bearer emulator.placeholder.token' },
    });
    const text = await response.text();
    if (!response.ok)
      throw Object.assign(new Error(`GET /v1/calls/${uuid} answered ${response.status}: ${text.slice(0, 200)}`), {
        response: { status: response.status },
      });
    const call = JSON.parse(text) as { uuid: string; status: string; conversation_uuid: string };
    // As the SDK's voice.getCall: camelCase keys, the conversation as `conversationUUID` (@vonage/voice apiCallsToCalls).
    return { uuid: call.uuid, status: call.status, conversationUUID: call.conversation_uuid };
  }
  return {
    voice: {
      transferCallWithNCCO: (uuid, ncco) => put(uuid, { action: 'transfer', destination: { type: 'ncco', ncco } }),
      transferCallWithURL: (uuid, url) => put(uuid, { action: 'transfer', destination: { type: 'ncco', url: [url] } }),
      hangupCall: (uuid) => put(uuid, { action: 'hangup' }),
      getCall: get,
    },
  };
}
