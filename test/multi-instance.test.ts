// Two server processes behind a round-robin proxy, one real redis-server, the Telnyx and Vonage emulators:
// hundreds of concurrent calls with duplicate and stale webhook deliveries, then one instance SIGKILLed and
// Redis restarted mid-run. Reports calls completed / lost, duplicate commands and queue order violations.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { storeQueue } from '@callflow/core';
import { createRedisStore, type RedisStore } from '@callflow/redis';
import {
  createTelnyxEmulator,
  createVonageEmulator,
  spoken,
  type CallTranscript,
  type TelnyxEmulator,
  type VonageEmulator,
} from '@callflow/testing';
import { startRedisServer, type RedisServerProcess } from '../packages/redis/test/redis-server.js';
import { startInstance, type InstanceProcess } from './multi-instance/instances.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './multi-instance/round-robin-proxy.js';

const signatureSecret = 'multi-instance-signature-secret';
const agentNumber = '+447700900123';
const goodbye = 'The conference has ended. Goodbye.';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Wave {
  name: string;
  queueCallers: number;
  /** Every n-th caller to start holding hangs up instead of waiting (0: nobody). */
  hangUpEvery: number;
  holding: string[];
  hangUps: Set<string>;
  /** Resolves a waiting caller's hold once an agent took them. */
  release: Map<string, () => void>;
}

let redis: RedisServerProcess | undefined;
let proxy: RoundRobinProxy | undefined;
let telnyx: TelnyxEmulator | undefined;
let vonage: VonageEmulator | undefined;
let observer: RedisStore | undefined;
const instances: InstanceProcess[] = [];

afterAll(async () => {
  for (const instance of instances) await instance.kill();
  await observer?.close();
  await telnyx?.close();
  await vonage?.close();
  await proxy?.close();
  await redis?.dispose();
});

describe('two instances, one Redis', () => {
  it('serves 400 calls across two processes with duplicate and stale deliveries, an instance SIGKILLed and Redis restarted mid-run: none lost', async () => {
    const started = Date.now();
    redis = await startRedisServer({ persistent: true });
    proxy = await startRoundRobinProxy();
    let wave: Wave | undefined;
    telnyx = await createTelnyxEmulator({
      webhookUrl: `${proxy.url}/conference`,
      deliveries: { duplicate: true, replayStale: true },
      msPerSecond: 20,
      idleMs: 20_000,
    });
    vonage = await createVonageEmulator({
      answerUrl: `${proxy.url}/queue/answer`,
      eventUrl: `${proxy.url}/queue/event`,
      signatureSecret,
      // provider: Vonage retries a failed webhook after 1 s by default (https://developer.vonage.com/en/blog/build-high-availability-voice-api-applications);
      // the emulator's 200 ms default put both attempts of an answer inside one Redis restart on a loaded machine.
      retryDelayMs: 1_000,
      // provider: Vonage waits at most 5 s for an NCCO (the emulator's default). Here 60 queue callers and 150 conference
      // callers arrive at once on two instances sharing the machine with the test; on a loaded CI host an answer can
      // queue behind the burst for longer than that, twice, and the call is counted lost for the machine's speed, not
      // for what this test is about (duplicates, a killed instance, a Redis restart). Latency is measured by the bench.
      timeoutMs: 15_000,
      holdTimeoutMs: 250,
      onHold: async ({ callId }) => {
        const current = wave!;
        current.holding.push(callId);
        if (current.hangUpEvery > 0 && current.holding.length % current.hangUpEvery === 0) {
          // Hangs up once every caller of the wave was announced a position (no transfer comes: the script says hang up).
          current.hangUps.add(callId);
          await waitFor('every caller holding', () => current.holding.length === current.queueCallers, 60_000).catch(() => undefined);
          return;
        }
        await new Promise<void>((resolve) => {
          current.release.set(callId, resolve);
          setTimeout(resolve, 60_000);
        });
      },
    });
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const env = {
      REDIS_URL: redis.url,
      PUBLIC_URL: proxy.url,
      CALLFLOW_SECRET: 'multi-instance-secret-0123456789',
      TELNYX_PUBLIC_KEY: telnyx.publicKey,
      TELNYX_API_URL: telnyx.apiBaseUrl,
      VONAGE_SIGNATURE_SECRET: signatureSecret,
      VONAGE_API_URL: vonage.apiUrl,
      VONAGE_PRIVATE_KEY: privateKey,
    };
    instances.push(...(await Promise.all([startInstance(env), startInstance(env)])));
    proxy.backends = instances.map((instance) => instance.url);
    observer = createRedisStore({ client: redis.url, prefix: 'multi-instance:' });
    const waiting = storeQueue(observer, 'vonage:agents');

    const telnyxResults: Array<{ wave: string; transcript: CallTranscript }> = [];
    const queueResults: Array<{ wave: string; transcript: CallTranscript }> = [];
    const order = { violations: 0, picked: 0, crossInstance: 0 };
    const backendOfAnswer = (callId: string) =>
      proxy!.log.filter((entry) => entry.url.startsWith('/queue/answer') && entry.url.includes(callId) && entry.status === 200).at(-1)
        ?.backend;

    function placeCalls(
      name: string,
      conferenceCalls: number,
      queueCallers: number,
      hangUpEvery: number,
      spacingMs: number,
    ): Promise<unknown> {
      wave = { name, queueCallers, hangUpEvery, holding: [], hangUps: new Set(), release: new Map() };
      const calls: Array<Promise<unknown>> = [];
      for (let index = 0; index < Math.max(conferenceCalls, queueCallers); index++) {
        const delay = sleep(index * spacingMs);
        if (index < conferenceCalls) {
          const script = {
            from: `+1555${String(index).padStart(7, '0')}`,
            conferences: [{ status: 'ended' as const, seconds: 10 + (index % 20) }],
          };
          calls.push(delay.then(() => telnyx!.call(script)).then((transcript) => telnyxResults.push({ wave: name, transcript })));
        }
        if (index < queueCallers) {
          calls.push(
            delay
              .then(() => vonage!.call({ queues: [{ result: 'hangup' }] }))
              .then((transcript) => queueResults.push({ wave: name, transcript })),
          );
        }
      }
      return Promise.all(calls);
    }

    /** Waits until the queue holds exactly the callers still waiting, then lets agents take them one by one through the proxy. */
    async function drainQueue(current: Wave): Promise<void> {
      const stayers = () => current.holding.filter((callId) => !current.hangUps.has(callId));
      // A caller who never reaches the queue is a lost call: the report counts it; the agents serve whoever is there.
      await waitFor('every caller of the wave holding', () => current.holding.length === current.queueCallers, 20_000).catch(
        (error: Error) => console.log(`${current.name}: ${error.message} (${current.holding.length} of ${current.queueCallers})`),
      );
      await waitFor(
        'hang-ups gone from the queue',
        async () => (await waiting.members().catch(() => [])).length === stayers().length,
        10_000,
      ).catch((error: Error) => console.log(`${current.name}: ${error.message}`));
      const expected = await waiting.members();
      if (JSON.stringify([...expected].sort()) !== JSON.stringify(stayers().sort()))
        console.log(`${current.name}: queue ${expected.length} callers, ${stayers().length} holding`);
      const picked: string[] = [];
      for (let refused = 0; picked.length < expected.length + 1 && refused < 100; ) {
        const response = await fetch(`${proxy!.url}/agent-free`, { method: 'POST' });
        if (response.status !== 200) {
          console.log(`${current.name}: agent-free answered ${response.status}: ${await response.text()}`);
          refused++;
          await sleep(50);
          continue;
        }
        const { callId } = (await response.json()) as { callId: string | null };
        if (callId === null) break;
        const pickedThrough = proxy!.log.filter((entry) => entry.url === '/agent-free').at(-1)?.backend;
        if (pickedThrough !== backendOfAnswer(callId)) order.crossInstance++;
        picked.push(callId);
        current.release.get(callId)?.();
      }
      order.picked += picked.length;
      order.violations +=
        expected.filter((callId, index) => picked[index] !== callId).length + Math.max(0, picked.length - expected.length);
    }

    // Wave 1: 150 conference callers and 60 queue callers at once (every 6th hangs up while waiting).
    const wave1 = placeCalls('steady', 150, 60, 6, 0);
    await drainQueue(wave!);
    await wave1;
    const repeatedAfterWave1 = telnyx.requests.filter((request) => request.duplicate).length;

    // Wave 2: 150 conference callers arriving over 1.5 s and 40 queue callers; instance 2 is SIGKILLed at 0.5 s, Redis
    // (append-only, fsync always) is killed at 1.2 s and restarted 0.5 s later, while calls are in progress and callers hold.
    const wave2 = placeCalls('faults', 150, 40, 0, 10);
    const faults = (async () => {
      await sleep(500);
      await instances[1]!.kill();
      await sleep(700);
      await redis!.stop();
      await sleep(500);
      await redis!.start();
    })();
    await faults;
    await drainQueue(wave!);
    await wave2;

    // ---- the report ------------------------------------------------------------------------------------------
    const conferenceCompleted = (transcript: CallTranscript) =>
      transcript.errors.length === 0 &&
      transcript.endedBy === 'flow' &&
      transcript.entries.some((entry) => entry.type === 'conference') &&
      spoken(transcript).at(-1) === goodbye;
    const queueCompleted = (transcript: CallTranscript) => {
      if (transcript.errors.length > 0) return false;
      if (transcript.entries.some((entry) => entry.type === 'enqueue' && entry.result === 'hangup')) return transcript.endedBy === 'caller';
      return (
        transcript.endedBy === 'flow' &&
        spoken(transcript).includes('Now connecting you.') &&
        transcript.entries.some((entry) => entry.type === 'transfer' && entry.to === agentNumber && entry.status === 'completed')
      );
    };
    // Position announcements: within a wave every caller was announced a different place, 1..N (all announced before anyone left).
    let announcementErrors = 0;
    for (const [name, size] of [
      ['steady', 60],
      ['faults', 40],
    ] as const) {
      const announced = queueResults
        .filter((result) => result.wave === name)
        .map((result) => Number(/You are number (\d+) in line/.exec(spoken(result.transcript).join(' '))?.[1]))
        .sort((a, b) => a - b);
      announcementErrors += announced.filter((position, index) => position !== index + 1).length + Math.abs(size - announced.length);
    }
    // Duplicate commands: a command Telnyx applied twice on one leg. Every caller's leg gets exactly one answer, two speaks,
    // one conference create-or-join and one hangup; command ids repeated by a redelivery are counted apart (Telnyx ignores them).
    const accepted = new Map<string, Map<string, number>>();
    for (const request of telnyx.requests) {
      if (request.duplicate || request.status !== 200 || !request.target) continue;
      const action = request.action.startsWith('conferences.') ? 'conference' : request.action;
      const perLeg = accepted.get(request.target) ?? new Map<string, number>();
      perLeg.set(action, (perLeg.get(action) ?? 0) + 1);
      accepted.set(request.target, perLeg);
    }
    const limits: Record<string, number> = { answer: 1, speak: 2, conference: 1, hangup: 1 };
    let duplicateCommands = 0;
    for (const perLeg of accepted.values())
      for (const [action, count] of perLeg) duplicateCommands += Math.max(0, count - (limits[action] ?? 1));

    const calls = telnyxResults.length + queueResults.length;
    const completed =
      telnyxResults.filter((result) => conferenceCompleted(result.transcript)).length +
      queueResults.filter((result) => queueCompleted(result.transcript)).length;
    const report = {
      calls,
      'calls completed': completed,
      'calls lost': calls - completed,
      'conference calls (Telnyx)': telnyxResults.length,
      'queue calls (Vonage)': queueResults.length,
      'queue callers picked up by an agent': order.picked,
      '… through the other instance than the one that queued them': order.crossInstance,
      'queue order violations': order.violations,
      'position announcement errors': announcementErrors,
      'duplicate commands (applied twice)': duplicateCommands,
      'repeated command_ids, ignored by Telnyx (steady wave / after the faults)': `${repeatedAfterWave1} / ${telnyx.requests.filter((request) => request.duplicate).length - repeatedAfterWave1}`,
      'Telnyx deliveries / redeliveries / failed for good': `${telnyx.deliveryStats.attempts} / ${telnyx.deliveryStats.retries} / ${telnyx.deliveryStats.failed}`,
      'Vonage deliveries / retries / failed for good': `${vonage.deliveryStats.attempts} / ${vonage.deliveryStats.retries} / ${vonage.deliveryStats.failed}`,
      'requests per instance (1 / 2, killed)': instances.map((instance) => proxy!.served.get(instance.url) ?? 0).join(' / '),
      'requests refused by the dead instance, sent to the other': proxy.refused,
      'conferences created': telnyx.conferences().length,
      'Redis down (killed, restarted from its append-only file), ms': 500,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(
      '\nmulti-instance report\n' +
        Object.entries(report)
          .map(([name, value]) => `  ${name}: ${value}`)
          .join('\n'),
    );
    const failures = [...telnyxResults, ...queueResults].filter(
      (result) => !(result.transcript.provider === 'telnyx' ? conferenceCompleted(result.transcript) : queueCompleted(result.transcript)),
    );
    if (failures.length) {
      const reasons = new Map<string, number>();
      for (const result of failures) {
        const reason = `${result.transcript.provider} ${result.wave}, ended by ${result.transcript.endedBy}: ${result.transcript.errors.join('; ').replace(/[0-9a-f-]{36}|v3:\S+/g, '…') || JSON.stringify(result.transcript.entries.slice(-2))}`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      console.log('lost calls:\n' + [...reasons].map(([reason, count]) => `  ${count} × ${reason}`).join('\n'));
    }
    const errorLines = instances.flatMap((instance) =>
      instance.errors
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    const storeErrors = errorLines.filter((line) => line.includes('[callflow:redis]')).length;
    console.log(
      `instance error log: ${errorLines.length} lines, ${storeErrors} of them store-unavailable (answered 503, retried by the provider)`,
    );
    for (const line of errorLines.filter((line) => !line.includes('[callflow:redis]')).slice(0, 5)) console.log(`  ${line}`);

    expect(calls).toBe(400);
    expect(report['calls lost']).toBe(0);
    expect(order.picked).toBe(50 + 40);
    expect(order.crossInstance).toBeGreaterThan(0);
    expect(order.violations).toBe(0);
    expect(announcementErrors).toBe(0);
    expect(duplicateCommands).toBe(0);
    // Repeated command_ids in the steady wave are not asserted away: a command unanswered within the executor's 2 s timeout is
    // sent again with its command_id, as Telnyx asks (https://developers.telnyx.com/docs/voice/programmable-voice/command-retries),
    // which a loaded machine triggers; Telnyx ignores the repeat, and `duplicateCommands` (applied twice) is asserted 0 above.
    // Both instances served before the kill; the survivor served everything after it.
    expect(proxy.served.get(instances[1]!.url) ?? 0).toBeGreaterThan(0);
    expect(proxy.refused).toBeGreaterThan(0);
    expect(await waiting.length()).toBe(0);
  }, 110_000);
});
