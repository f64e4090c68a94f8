// The fault suite: each fault injected over real HTTP on 127.0.0.1 (the emulators, a real redis-server, instance processes),
// each asserting its figure, and one table for docs/reliability.md printed at the end. Reproducible from the printed seed
// (FAULT_SEED=<n> to repeat a run): which requests fail, which answers are lost and how deliveries are held back.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '@callflow/redis';
import type { CallTranscript } from '@callflow/testing';
import { startRedisServer } from '../../packages/redis/test/redis-server.js';
import { faultNames, reliabilityTable, seededDraw, type FaultName, type FaultRow } from './fault-report.js';
import { startTelnyxFaultRig, telnyxOutcome, type TelnyxFaultRig } from './telnyx-fault-rig.js';
import { runInstanceKill } from './instance-kill.js';
import { runVonageJwtFaults } from './vonage-jwt-faults.js';

const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`fault suite seed: ${seed} (FAULT_SEED=${seed} reproduces this run)`);
const draw = seededDraw(seed);
const rows: FaultRow[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Commands a completed call's leg gets applied, measured by the baseline. */
let commandsPerCall = 0;

afterAll(() => {
  console.log(
    `\nreliability table (seed ${seed})\n${reliabilityTable(faultNames.map((name) => rows.find((row) => row.fault === name)).filter((row): row is FaultRow => row !== undefined))}\n`,
  );
});

/** The row of a Telnyx phone-tree run: outcomes, and commands applied beyond what one completed call needs. */
function telnyxRow(fault: FaultName, rig: TelnyxFaultRig, results: Map<string, CallTranscript>, notes: string): FaultRow {
  const outcomes = [...results.values()].map(telnyxOutcome);
  const applied = rig.appliedPerCall();
  let duplicated = 0;
  for (const [from, transcript] of results)
    if (telnyxOutcome(transcript) === 'completed') duplicated += Math.max(0, (applied.get(from) ?? 0) - commandsPerCall);
  const row: FaultRow = {
    fault,
    placed: results.size,
    completed: outcomes.filter((outcome) => outcome === 'completed').length,
    apology: outcomes.filter((outcome) => outcome === 'apology').length,
    lost: outcomes.filter((outcome) => outcome === 'lost').length,
    duplicated,
    queueOrderViolations: '–',
    notes: `${notes}; repeated command_ids (ignored by Telnyx): ${rig.repeatedCommandIds()}; deliveries failed for good: ${rig.emulator.deliveryStats.failed}`,
  };
  rows.push(row);
  if (row.lost > 0) {
    const lost = [...results.values()].filter((transcript) => telnyxOutcome(transcript) === 'lost').slice(0, 3);
    if (process.env.FAULT_DEBUG) {
      const lostCallers = [...results]
        .filter(([, transcript]) => telnyxOutcome(transcript) === 'lost')
        .map(([from]) => from)
        .slice(0, 2);
      for (const from of lostCallers) {
        const leg = [...new Set(rig.emulator.requests.map((request) => request.target))].find(
          (target) => target && rig.callerOf(target) === from,
        );
        console.log(
          `${from} ${leg}\n  commands: ${rig.emulator.requests
            .filter((request) => request.target === leg)
            .map((request) => `${request.action}:${request.status}${request.duplicate ? ':dup' : ''}`)
            .join(' ')}`,
        );
        console.log(
          `  deliveries: ${rig.deliveries.log
            .filter((entry) => leg && entry.body.includes(leg))
            .map((entry) => {
              const data = JSON.parse(entry.body).data;
              return `${data.event_type}:${data.id.slice(0, 4)}:${entry.status}`;
            })
            .join(' ')}`,
        );
        for (const line of rig.logger.lines.filter((line) => line.callId === leg))
          console.log(`  ${line.level} ${line.message.slice(0, 160)}`);
      }
    }
    console.log(
      `${fault}: lost calls, e.g.\n${lost.map((transcript) => `  ended by ${transcript.endedBy}: ${transcript.errors.join('; ')} ${JSON.stringify(transcript.entries.slice(-2))}`).join('\n')}\n${rig.logger.lines
        .filter((line) => line.level === 'error')
        .slice(0, 5)
        .map((line) => `  ${line.message}`)
        .join('\n')}`,
    );
  }
  return row;
}

/** A Telnyx API that answers 503 to every command from `startMs` for `durationMs` after the first call. */
async function brownout(fault: FaultName, durationMs: number): Promise<FaultRow> {
  const rig = await startTelnyxFaultRig();
  try {
    const startedAt = Date.now() + 300;
    const endsAt = startedAt + durationMs;
    let refused = 0;
    rig.api.decide = () => {
      const now = Date.now();
      if (now >= startedAt && now < endsAt) {
        refused++;
        return { kind: 'answer', status: 503 };
      }
      return { kind: 'forward' };
    };
    const results = await rig.placeCalls(40, 25);
    return telnyxRow(fault, rig, results, `${refused} commands answered 503; Telnyx redeliveries ${rig.emulator.deliveryStats.retries}`);
  } finally {
    await rig.close();
  }
}

describe('the fault suite', () => {
  it('no fault: the baseline every figure is measured against', async () => {
    const rig = await startTelnyxFaultRig();
    try {
      const results = await rig.placeCalls(20, 10);
      const counts = new Set(rig.appliedPerCall().values());
      expect(counts.size, 'every call of the same script gets the same commands').toBe(1);
      commandsPerCall = [...counts][0]!;
      const row = telnyxRow('no fault (baseline)', rig, results, `${commandsPerCall} commands per call`);
      expect(row.completed).toBe(20);
    } finally {
      await rig.close();
    }
  });

  it('a Telnyx API brownout of 1.5 s loses no call and applies no command twice', async () => {
    const row = await brownout('Telnyx API brownout, 1.5 s of 503', 1_500);
    expect(row).toMatchObject({ placed: 40, completed: 40, lost: 0, duplicated: 0 });
  }, 60_000);

  it('a Telnyx API brownout of 10 s loses no call and applies no command twice (the events are answered 503 and redelivered)', async () => {
    const row = await brownout('Telnyx API brownout, 10 s of 503', 10_000);
    expect(row).toMatchObject({ placed: 40, completed: 40, lost: 0, duplicated: 0 });
  }, 90_000);

  it('a command Telnyx refuses for good gets those callers the apology, never silence', async () => {
    const rig = await startTelnyxFaultRig();
    try {
      // One caller in four (seeded) gets the menu's gather refused with a 422: a definite refusal, no retry changes it.
      const refusedLegs = new Set<string>();
      rig.api.decide = ({ path }) => {
        const leg = /\/calls\/([^/]+)\/actions\/gather_using_speak/.exec(path)?.[1];
        const caller = leg ? rig.callerOf(leg) : undefined;
        if (!leg || !caller || refusedLegs.has(leg) || draw(`${caller} refused`) >= 0.25) return { kind: 'forward' };
        refusedLegs.add(leg);
        return {
          kind: 'answer',
          status: 422,
          body: JSON.stringify({ errors: [{ code: '10032', title: 'Invalid value', detail: 'injected refusal' }] }),
        };
      };
      const results = await rig.placeCalls(40, 10);
      const row = telnyxRow('a failing command (422, refused for good)', rig, results, `${refusedLegs.size} calls had a command refused`);
      expect(refusedLegs.size).toBeGreaterThan(0);
      expect(row).toMatchObject({ placed: 40, apology: refusedLegs.size, completed: 40 - refusedLegs.size, lost: 0, duplicated: 0 });
    } finally {
      await rig.close();
    }
  }, 60_000);

  it('a hanging command (applied, its answer lost) is sent again with its command_id, which Telnyx ignores: nothing lost or doubled', async () => {
    const rig = await startTelnyxFaultRig();
    try {
      // One caller in four (seeded) has one command (seeded, of its first ten) applied by Telnyx without the answer reaching us.
      let swallowed = 0;
      const seenPerLeg = new Map<string, number>();
      rig.api.decide = ({ path }) => {
        const leg = /\/calls\/([^/]+)\/actions\//.exec(path)?.[1];
        const caller = leg ? rig.callerOf(leg) : undefined;
        if (!leg || !caller) return { kind: 'forward' };
        const index = seenPerLeg.get(leg) ?? 0;
        seenPerLeg.set(leg, index + 1);
        if (draw(`${caller} hangs`) >= 0.25 || index !== Math.floor(draw(`${caller} hanging command`) * 10)) return { kind: 'forward' };
        swallowed++;
        return { kind: 'swallow-answer' };
      };
      const results = await rig.placeCalls(40, 10);
      const row = telnyxRow(
        'a hanging command (applied, its answer never comes)',
        rig,
        results,
        `${swallowed} answers withheld (client timeout 2 s)`,
      );
      expect(swallowed).toBeGreaterThan(0);
      expect(row).toMatchObject({ placed: 40, completed: 40, lost: 0, duplicated: 0 });
      expect(rig.repeatedCommandIds()).toBeGreaterThan(0);
    } finally {
      await rig.close();
    }
  }, 60_000);

  it('duplicate, late and reordered deliveries: every call moves once per event', async () => {
    const rig = await startTelnyxFaultRig({ deliveries: { duplicate: true, replayStale: true } });
    try {
      // Each delivery is held back 0–80 ms (seeded), so a call's concurrent deliveries arrive in any order.
      let delivered = 0;
      rig.deliveries.decide = () => ({ kind: 'forward', delayMs: Math.floor(draw(`delivery ${delivered++}`) * 80) });
      const results = await rig.placeCalls(40, 10);
      const row = telnyxRow(
        'duplicate, late and reordered deliveries',
        rig,
        results,
        'every event twice, the previous event again late, each held 0–80 ms',
      );
      expect(row).toMatchObject({ placed: 40, completed: 40, lost: 0, duplicated: 0 });
    } finally {
      await rig.close();
    }
  }, 60_000);

  for (const persistent of [true, false]) {
    const fault: FaultName = persistent ? 'Redis restarted, append-only persistence' : 'Redis restarted without persistence';
    it(`${fault}: ${persistent ? 'no call lost' : 'every affected call continues from its token or hears the apology, none silent, and the warning fired at connect'}`, async () => {
      const redis = await startRedisServer({ persistent });
      const warnings: string[] = [];
      const store = createRedisStore({
        client: redis.url,
        prefix: 'faults:',
        timeoutMs: 500,
        logger: { info: () => undefined, warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) },
      });
      const rig = await startTelnyxFaultRig({ store, msPerSecond: 20 });
      try {
        const calls = rig.placeCalls(40, 25);
        await sleep(600);
        await redis.stop();
        await sleep(500);
        await redis.start();
        const results = await calls;
        const continued = rig.logger.lines.filter((line) => line.message.includes('no position record')).length;
        const persistenceWarnings = warnings.filter((line) => line.includes('can lose call state')).length;
        const row = telnyxRow(
          fault,
          rig,
          results,
          `Redis down 500 ms; ${continued} events continued from their token; persistence warnings at connect: ${persistenceWarnings}`,
        );
        expect(row).toMatchObject({ placed: 40, lost: 0, duplicated: 0 });
        if (persistent) {
          expect(row.completed).toBe(40);
          expect(persistenceWarnings).toBe(0);
        } else {
          expect(row.completed + row.apology).toBe(40);
          expect(persistenceWarnings).toBeGreaterThan(0);
        }
      } finally {
        await rig.close();
        await store.close();
        await redis.dispose();
      }
    }, 90_000);
  }

  it('an instance SIGKILLed mid-call and restarted: no call lost, no command applied twice', async () => {
    const result = await runInstanceKill(draw);
    rows.push({ fault: 'an instance SIGKILLed mid-call and restarted', ...result.row });
    expect(result.row).toMatchObject({ lost: 0, duplicated: 0, queueOrderViolations: 0 });
    expect(result.row.completed).toBe(result.row.placed);
  }, 120_000);

  it('Vonage JWTs replayed, expired or not yet valid: refused (403) or answered without acting again', async () => {
    const result = await runVonageJwtFaults(draw);
    rows.push(...result.rows);
    for (const row of result.rows) expect(row).toMatchObject({ lost: 0, duplicated: 0 });
    expect(result.replayedElsewhereRefused).toBe(result.replayedElsewhere);
    expect(result.expiredRefused).toBe(result.expired);
  }, 60_000);
});
