import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Vonage } from '@vonage/server-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVonageEmulator, spoken, type VonageEmulator } from '@callflow/testing';

// Moving live calls (machine detection's result, the REST transfers) is a chunk of its own (src/vonage-live-call-chunk.ts),
// loaded at an outbound call's first event, at a machine-detection move, or when the app transfers a call. Each test
// here starts from a fresh module state (the chunk not loaded).

const signatureSecret = 'live-call-chunk-signature-secret';
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** @callflow/vonage and @callflow/core as a fresh process would load them: no chunk loaded yet. */
async function coldModules() {
  vi.resetModules();
  const vonage = await import('@callflow/vonage');
  const core = await import('@callflow/core');
  return { vonage, core };
}

let server: Server;
let emulator: VonageEmulator;
let url: string;
/** The handler of the running test, behind the one server. */
let listener: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => void response.writeHead(503).end();

beforeAll(async () => {
  server = createServer((request, response) => listener(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vonage`;
  emulator = await createVonageEmulator({ answerUrl: `${url}/answer`, eventUrl: `${url}/event`, signatureSecret });
});

afterAll(async () => {
  await emulator.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the Vonage live-call chunk, from a cold start', () => {
  it("an outbound call's machine-detection result moves a machine to its route", async () => {
    const { vonage, core } = await coldModules();
    const flow = core.defineFlow({
      name: 'reminder',
      start: 'intro',
      machineDetection: { onMachine: 'voicemail' },
      nodes: {
        intro: [core.say('Hello.'), core.gather({ prompt: [core.say('Press 1.')], numDigits: 1, routes: { '1': 'done' } })],
        done: [core.hangup()],
        voicemail: [core.say('Please call us back.'), core.hangup()],
      },
    });
    const client = new Vonage({ applicationId: 'app-1', privateKey }, { apiHost: emulator.apiUrl });
    const handler = vonage.createVonageHandler({
      flow,
      secret: 'live-call-chunk-secret-0123456789',
      publicBaseUrl: url,
      signatureSecret,
      voiceClient: client,
    });
    listener = core.toNodeListener((request) => handler(request));
    emulator.scriptOutbound({ pickup: 'machine' });
    await vonage.startVonageCall(client, handler, { to: '+447700900001', from: '+447700900000' });
    const placed = emulator.outboundCalls.at(-1)!;
    const transcript = await placed.transcript;
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Please call us back.']);
    // The move went out as Vonage's REST transfer.
    expect(emulator.restRequests.some((request) => request.method === 'PUT' && request.path === `/v1/calls/${placed.uuid}`)).toBe(true);
  });

  it("an outbound call's first event: the chunk reads it, and the hook hears the call start", async () => {
    const { vonage, core } = await coldModules();
    const events: Array<{ type: string; direction?: string; from?: string; to?: string }> = [];
    const client = new Vonage({ applicationId: 'app-1', privateKey }, { apiHost: emulator.apiUrl });
    const handler = vonage.createVonageHandler({
      flow: core.defineFlow({ name: 'notice', start: 'main', nodes: { main: [core.say('Your order shipped.'), core.hangup()] } }),
      secret: 'live-call-chunk-secret-0123456789',
      publicBaseUrl: url,
      signatureSecret,
      voiceClient: client,
      onCallEvent: (event) => void events.push(event),
    });
    listener = core.toNodeListener((request) => handler(request));
    emulator.scriptOutbound({});
    await vonage.startVonageCall(client, handler, { to: '+447700900001', from: '+447700900000' });
    const transcript = await emulator.outboundCalls.at(-1)!.transcript;
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual(['Your order shipped.']);
    expect(events[0]).toMatchObject({ type: 'call-started', direction: 'outbound', from: '+447700900000', to: '+447700900001' });
  });

  it('the public transfer functions load the chunk at their first call', async () => {
    const { vonage } = await coldModules();
    const sent: Array<[string, unknown]> = [];
    const client = {
      voice: {
        transferCallWithNCCO: async (uuid: string, ncco: unknown[]) => void sent.push([uuid, ncco]),
        transferCallWithURL: async (uuid: string, address: string) => void sent.push([uuid, address]),
      },
    };
    await vonage.transferCallToNcco(client, 'call-1', [{ action: 'talk', text: 'Moved.' }]);
    await vonage.transferCallToUrl(client, 'call-2', 'https://ivr.example.com/ncco');
    expect(sent).toEqual([
      ['call-1', [{ action: 'talk', text: 'Moved.' }]],
      ['call-2', 'https://ivr.example.com/ncco'],
    ]);
    const failing = { voice: { ...client.voice, transferCallWithNCCO: async () => Promise.reject(new Error('socket hang up')) } };
    await expect(vonage.transferCallToNcco(failing, 'call-3', [])).rejects.toMatchObject({ code: 'provider-request-failed' });
  });
});
