// Vonage signed webhooks replayed and out of their time window: the phone tree on Vonage over real HTTP, every webhook the
// emulator delivered captured, then sent again as an attacker (or a confused retry) would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, toNodeListener } from '@callflow/core';
import { createPhoneTree } from '@callflow/example-flows';
import { createVonageEmulator, spoken } from '@callflow/testing';
import { createVonageHandler, signVonageRequest } from '@callflow/vonage';
import type { FaultRow } from './fault-report.js';

const signatureSecret = 'faults-vonage-signature-secret';
const goodbye = 'Thank you for calling ACME. Goodbye.';

interface Captured {
  url: string;
  authorization: string;
  body: string;
  status: number;
  response: string;
}

/** Runs the Vonage JWT faults; `draw` picks which captured webhooks are replayed where. */
export async function runVonageJwtFaults(draw: (name: string) => number): Promise<{
  rows: FaultRow[];
  replayedElsewhere: number;
  replayedElsewhereRefused: number;
  expired: number;
  expiredRefused: number;
}> {
  const captured: Captured[] = [];
  let handler: (request: Request) => Promise<Response> = async () => new Response('not ready', { status: 503 });
  const tap = async (request: Request): Promise<Response> => {
    const body = request.method === 'GET' ? '' : await request.clone().text();
    const response = await handler(request);
    const text = await response.clone().text();
    captured.push({
      url: request.url,
      authorization: request.headers.get('authorization') ?? '',
      body,
      status: response.status,
      response: text,
    });
    return response;
  };
  const server: Server = createServer(toNodeListener(tap));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vonage`;
  handler = createVonageHandler({
    flow: createPhoneTree({ holdMusicUrl: 'https://audio.example.com/hold.mp3', receptionNumber: '+15005550006' }),
    secret: 'faults-vonage-secret-0123456789',
    signatureSecret,
    publicBaseUrl: base,
    store: createMemoryStore(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const emulator = await createVonageEmulator({ answerUrl: `${base}/answer`, eventUrl: `${base}/event`, signatureSecret });
  try {
    const transcripts = [];
    for (let index = 0; index < 10; index++)
      transcripts.push(await emulator.call({ from: `44770090${String(index).padStart(4, '0')}`, input: ['3', '1', '5', '9'] }));
    const completed = transcripts.filter((transcript) => transcript.errors.length === 0 && spoken(transcript).at(-1) === goodbye).length;
    const inputs = captured.filter((request) => new URL(request.url).pathname.endsWith('/input') && request.status === 200);
    const send = (url: string, authorization: string, body: string) =>
      fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });

    // The very request again (same URL, JWT and body): answered as the first time, the call not moved again.
    let replayedSame = 0;
    let actedAgain = 0;
    for (const request of inputs) {
      if (draw(`replay ${request.url}`) >= 0.5) continue;
      replayedSame++;
      const again = await send(request.url, request.authorization, request.body);
      const text = await again.text();
      if (again.status !== 200 || text !== request.response) actedAgain++;
    }
    // The JWT and body of one call's webhook sent to another call's callback URL (its token): a replay, refused.
    let replayedElsewhere = 0;
    let replayedElsewhereRefused = 0;
    for (const [index, request] of inputs.entries()) {
      const other = inputs[(index + 1 + Math.floor(draw(`elsewhere ${index}`) * (inputs.length - 1))) % inputs.length]!;
      if (other.url === request.url) continue;
      replayedElsewhere++;
      const response = await send(other.url, request.authorization, request.body);
      if (response.status === 403) replayedElsewhereRefused++;
    }
    // Correctly signed, but out of the time window: issued 10 minutes ago, expired a minute ago, valid only in an hour.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const windows: Array<{ issuedAt?: number; claims?: Record<string, unknown> }> = [
      { issuedAt: nowSeconds - 600 },
      { claims: { exp: nowSeconds - 60 } },
      { claims: { nbf: nowSeconds + 3_600 } },
    ];
    let expired = 0;
    let expiredRefused = 0;
    for (const [index, request] of inputs.slice(0, 12).entries()) {
      const window = windows[index % windows.length]!;
      const forged = await signVonageRequest({ url: request.url, body: request.body, signatureSecret, ...window });
      expired++;
      if ((await handler(forged)).status === 403) expiredRefused++;
    }
    const lost = transcripts.length - completed;
    return {
      rows: [
        {
          fault: 'Vonage JWTs replayed',
          placed: transcripts.length,
          completed,
          apology: 0,
          lost,
          duplicated: actedAgain,
          queueOrderViolations: '–',
          notes: `${replayedSame} webhooks replayed as they were: answered as the first time, nothing done again; ${replayedElsewhereRefused} of ${replayedElsewhere} JWTs replayed to another call's URL refused 403`,
        },
        {
          fault: 'Vonage JWTs expired or not yet valid',
          placed: transcripts.length,
          completed,
          apology: 0,
          lost,
          duplicated: expired - expiredRefused,
          queueOrderViolations: '–',
          notes: `${expiredRefused} of ${expired} correctly signed webhooks out of their window (iat 600 s old, exp past, nbf +1 h) refused 403`,
        },
      ],
      replayedElsewhere,
      replayedElsewhereRefused,
      expired,
      expiredRefused,
    };
  } finally {
    await emulator.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
