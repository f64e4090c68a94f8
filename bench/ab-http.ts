// Old against new servers in one load rotation: the bare node:http floor, then each server of each build in turn,
// several rounds (A B C A B C …), each round giving req/s as a share of the floor measured in the same round, the
// server's CPU per request (from /proc) and the load average. The old build is a copy of bench/servers beside a
// node_modules/@callflow with the old dists (see docs/performance.md, Method).
// Usage: AB_OLD=/tmp/old npx tsx --tsconfig tsconfig.base.json bench/ab-http.ts [twilio] [vonage]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { phoneTree } from '@callflow/example-flows';
import {
  ensureBuilt,
  load,
  type PreparedRequest,
  type RunningServer,
  startServer,
  twilioMenuRequests,
  startAnsweredVonageServer,
  vonageMenuPools,
  writeFlow,
} from './http.js';

const oldRoot = process.env.AB_OLD;
const rounds = Number(process.env.AB_ROUNDS ?? 5);
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const providers = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['twilio', 'vonage'];
const ticksPerSecond = 100;

/** User plus system CPU of a process so far, in µs (Linux /proc). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

interface AbTarget {
  name: string;
  file: string;
  config: Record<string, unknown>;
  pool: readonly PreparedRequest[];
  /** Vonage: distinct calls its server answers before the load (the pool is their presses). */
  calls?: number;
  distinct: boolean;
  server?: RunningServer;
  cursor: { next: number };
  rows: { requestsPerSecond: number; cpuMicrosPerRequest: number; floorShare: number; load: number }[];
}

async function main(): Promise<void> {
  ensureBuilt();
  const directory = mkdtempSync(join(tmpdir(), 'callflow-ab-http-'));
  const flowPath = writeFlow(directory, phoneTree);
  const builds = [...(oldRoot ? [['old', `${oldRoot}/bench/servers/`] as const] : []), ['new', ''] as const];
  const targets: AbTarget[] = [];
  const target = (
    name: string,
    file: string,
    config: Record<string, unknown>,
    pool: readonly PreparedRequest[],
    distinct: boolean,
    calls?: number,
  ) => targets.push({ name, file, config, pool, distinct, calls, cursor: { next: 0 }, rows: [] });
  const twilio = await twilioMenuRequests(flowPath);
  target('floor', 'ceiling.mjs', { mode: 'node' }, [twilio.ours], false);
  if (providers.includes('twilio'))
    for (const [build, prefix] of builds)
      target(`twilio ${build}`, `${prefix}twilio-callflow.mjs`, { ...twilio.config, mode: 'node' }, [twilio.ours], false);
  if (providers.includes('vonage')) {
    const size = Number(process.env.BENCH_HTTP_POOL ?? Math.ceil(16_000 * (rounds * seconds + 1)));
    const vonage = await vonageMenuPools(flowPath);
    for (const [build, prefix] of builds)
      target(`vonage ${build}`, `${prefix}vonage-callflow.mjs`, { ...vonage.config, mode: 'node' }, [], true, size);
  }
  try {
    for (const each of targets) {
      if (each.calls === undefined) each.server = await startServer(each.file, each.config);
      else ({ server: each.server, pool: each.pool } = await startAnsweredVonageServer(each.file, each.config, each.calls, directory));
      await load(each.server.port, each.pool, { seconds: 1, warmupSeconds: 0, cursor: each.cursor, distinct: each.distinct });
    }
    for (let round = 0; round < rounds; round++) {
      let floor = 0;
      for (const each of targets) {
        const pid = each.server!.child.pid!;
        const systemLoad = loadavg()[0]!;
        const before = cpuMicros(pid);
        const measured = await load(each.server!.port, each.pool, {
          seconds,
          warmupSeconds: 0,
          cursor: each.cursor,
          distinct: each.distinct,
        });
        const cpu = cpuMicros(pid) - before;
        if (measured.non2xx || measured.errors || measured.repeated)
          console.log(`  ${each.name}: non-2xx ${measured.non2xx}, errors ${measured.errors}, repeated ${measured.repeated}`);
        if (each.name === 'floor') floor = measured.requestsPerSecond;
        each.rows.push({
          requestsPerSecond: measured.requestsPerSecond,
          cpuMicrosPerRequest: cpu / Math.max(1, measured.ok + measured.non2xx),
          floorShare: measured.requestsPerSecond / floor,
          load: systemLoad,
        });
        console.log(
          `round ${round + 1} ${each.name.padEnd(11)} ${Math.round(measured.requestsPerSecond).toString().padStart(6)} req/s ${((100 * measured.requestsPerSecond) / floor).toFixed(1).padStart(5)}% of floor  cpu ${(cpu / Math.max(1, measured.ok + measured.non2xx)).toFixed(1).padStart(5)} µs/req  load ${systemLoad.toFixed(2)}`,
        );
      }
    }
  } finally {
    await Promise.all(targets.map((each) => each.server?.stop()));
    rmSync(directory, { recursive: true, force: true });
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
  };
  console.log('\nmedian of rounds: req/s, % of the floor in the same round, server CPU µs per request');
  for (const each of targets)
    console.log(
      `${each.name.padEnd(11)} ${Math.round(median(each.rows.map((row) => row.requestsPerSecond)))
        .toString()
        .padStart(6)} req/s  ${(100 * median(each.rows.map((row) => row.floorShare))).toFixed(1).padStart(5)}%  cpu ${median(
        each.rows.map((row) => row.cpuMicrosPerRequest),
      )
        .toFixed(1)
        .padStart(
          5,
        )} µs  (shares ${each.rows.map((row) => (100 * row.floorShare).toFixed(0)).join('/')}; load ${each.rows.map((row) => row.load.toFixed(1)).join('/')})`,
    );
  // Paired by round (the same moment of the shared machine): new against old, CPU per request and share of the floor.
  for (const provider of providers) {
    const old = targets.find((each) => each.name === `${provider} old`);
    const current = targets.find((each) => each.name === `${provider} new`);
    if (!old || !current) continue;
    const cpu = current.rows.map((row, round) => row.cpuMicrosPerRequest / old.rows[round]!.cpuMicrosPerRequest);
    const share = current.rows.map((row, round) => row.floorShare / old.rows[round]!.floorShare);
    console.log(
      `${provider} new/old by round: cpu ${median(cpu).toFixed(2)}x (${cpu.map((value) => value.toFixed(2)).join('/')}), share of the floor ${median(share).toFixed(2)}x`,
    );
  }
}

await main();
