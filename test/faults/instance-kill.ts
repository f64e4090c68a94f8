// An instance SIGKILLed mid-call and a new one started in its place: the two-instance setup of test/multi-instance (the
// Telnyx conference line and a Vonage agent queue on one real Redis, behind a round-robin proxy), a wave of calls and
// queued callers, instance 2 killed while they are in progress, a fresh instance added, then agents take the queue.
import { generateKeyPairSync } from 'node:crypto';
import { storeQueue } from '@callflow/core';
import { createRedisStore } from '@callflow/redis';
import { createTelnyxEmulator, createVonageEmulator, spoken, type CallTranscript } from '@callflow/testing';
import { startRedisServer } from '../../packages/redis/test/redis-server.js';
import { startInstance, type InstanceProcess } from '../multi-instance/instances.js';
import { startRoundRobinProxy } from '../multi-instance/round-robin-proxy.js';
import type { FaultRow } from './fault-report.js';

const signatureSecret = 'faults-instance-signature-secret';
const goodbye = 'The conference has ended. Goodbye.';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!check() && Date.now() - started < timeoutMs) await sleep(20);
}

/** Runs the fault; `draw` sets when the kill lands (between 300 and 700 ms into the wave). */
export async function runInstanceKill(draw: (name: string) => number): Promise<{ row: Omit<FaultRow, 'fault'> }> {
  const redis = await startRedisServer({ persistent: true });
  const proxy = await startRoundRobinProxy();
  const instances: InstanceProcess[] = [];
  const holding: string[] = [];
  const release = new Map<string, () => void>();
  const telnyx = await createTelnyxEmulator({ webhookUrl: `${proxy.url}/conference`, msPerSecond: 20, idleMs: 20_000 });
  const vonage = await createVonageEmulator({
    answerUrl: `${proxy.url}/queue/answer`,
    eventUrl: `${proxy.url}/queue/event`,
    signatureSecret,
    holdTimeoutMs: 250,
    onHold: async ({ callId }) => {
      holding.push(callId);
      await new Promise<void>((resolve) => {
        release.set(callId, resolve);
        setTimeout(resolve, 60_000);
      });
    },
  });
  try {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const env = {
      REDIS_URL: redis.url,
      PUBLIC_URL: proxy.url,
      CALLFLOW_SECRET: 'faults-instance-secret-0123456789',
      TELNYX_PUBLIC_KEY: telnyx.publicKey,
      TELNYX_API_URL: telnyx.apiBaseUrl,
      VONAGE_SIGNATURE_SECRET: signatureSecret,
      VONAGE_API_URL: vonage.apiUrl,
      VONAGE_PRIVATE_KEY: privateKey,
    };
    instances.push(...(await Promise.all([startInstance(env), startInstance(env)])));
    proxy.backends = instances.map((instance) => instance.url);

    const conferenceCalls: Array<Promise<CallTranscript>> = [];
    const queueCalls: Array<Promise<CallTranscript>> = [];
    for (let index = 0; index < 40; index++) {
      conferenceCalls.push(
        sleep(index * 25).then(() =>
          telnyx.call({ from: `+1555${String(index).padStart(7, '0')}`, conferences: [{ status: 'ended', seconds: 10 + (index % 20) }] }),
        ),
      );
    }
    for (let index = 0; index < 10; index++) queueCalls.push(sleep(index * 60).then(() => vonage.call({ queues: [{ result: 'hangup' }] })));
    const killAtMs = 300 + Math.floor(draw('kill at') * 400);
    await sleep(killAtMs);
    await instances[1]!.kill();
    const replacement = await startInstance(env);
    instances.push(replacement);
    proxy.backends = [instances[0]!.url, replacement.url];

    await waitFor(() => holding.length === 10, 20_000);
    // The queue's own order (a caller whose answer webhook was retried after the kill may start holding later than it queued).
    const observer = createRedisStore({ client: redis.url, prefix: 'multi-instance:' });
    const waiting = storeQueue(observer, 'vonage:agents');
    await waitFor(() => false, 300);
    const expected = await waiting.members();
    await observer.close();
    // Agents take the queue through the proxy (either instance), one at a time.
    const picked: string[] = [];
    for (let refused = 0; picked.length < holding.length + 1 && refused < 50; ) {
      const response = await fetch(`${proxy.url}/agent-free`, { method: 'POST' });
      if (response.status !== 200) {
        refused++;
        await sleep(50);
        continue;
      }
      const { callId } = (await response.json()) as { callId: string | null };
      if (callId === null) break;
      picked.push(callId);
      release.get(callId)?.();
    }
    const violations = expected.filter((callId, index) => picked[index] !== callId).length + Math.max(0, picked.length - expected.length);
    if (violations > 0)
      console.log(`queue order: expected ${expected.join(' ')}\npicked ${picked.join(' ')}\nholding ${holding.join(' ')}`);
    const conferenceResults = await Promise.all(conferenceCalls);
    const queueResults = await Promise.all(queueCalls);

    const conferenceCompleted = (transcript: CallTranscript) =>
      transcript.errors.length === 0 &&
      transcript.endedBy === 'flow' &&
      transcript.entries.some((entry) => entry.type === 'conference') &&
      spoken(transcript).at(-1) === goodbye;
    const queueCompleted = (transcript: CallTranscript) =>
      transcript.errors.length === 0 &&
      transcript.endedBy === 'flow' &&
      spoken(transcript).includes('Now connecting you.') &&
      transcript.entries.some((entry) => entry.type === 'transfer' && entry.status === 'completed');
    const accepted = new Map<string, Map<string, number>>();
    for (const request of telnyx.requests) {
      if (request.duplicate || request.status !== 200 || !request.target) continue;
      const action = request.action.startsWith('conferences.') ? 'conference' : request.action;
      const perLeg = accepted.get(request.target) ?? new Map<string, number>();
      perLeg.set(action, (perLeg.get(action) ?? 0) + 1);
      accepted.set(request.target, perLeg);
    }
    const limits: Record<string, number> = { answer: 1, speak: 2, conference: 1, hangup: 1 };
    let duplicated = 0;
    for (const perLeg of accepted.values()) for (const [action, count] of perLeg) duplicated += Math.max(0, count - (limits[action] ?? 1));
    // A queued caller transferred twice hears the connect message twice.
    duplicated += queueResults.filter(
      (transcript) => spoken(transcript).filter((line) => line === 'Now connecting you.').length > 1,
    ).length;
    const placed = conferenceResults.length + queueResults.length;
    const completed = conferenceResults.filter(conferenceCompleted).length + queueResults.filter(queueCompleted).length;
    return {
      row: {
        placed,
        completed,
        apology: 0,
        lost: placed - completed,
        duplicated,
        queueOrderViolations: violations,
        notes: `40 Telnyx conference calls and 10 Vonage queue callers; instance 2 killed at ${killAtMs} ms, a new instance started; ${proxy.refused} requests refused by the dead instance went to the other; repeated command_ids (ignored by Telnyx): ${telnyx.requests.filter((request) => request.duplicate).length}`,
      },
    };
  } finally {
    for (const instance of instances) await instance.kill();
    await telnyx.close();
    await vonage.close();
    await proxy.close();
    await redis.dispose();
  }
}
