// Profiles one benchmark server under load: node --cpu-prof on the server, autocannon as bench/http.ts drives it.
// Usage: npx tsx --tsconfig tsconfig.base.json bench/profile-http.ts twilio|vonage|floor [profile directory] [server file]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phoneTree } from '@callflow/example-flows';
import { ensureBuilt, load, startAnsweredVonageServer, startServer, twilioMenuRequests, vonageMenuPools, writeFlow } from './http.js';

const provider = process.argv[2] ?? 'twilio';
const profileDirectory = process.argv[3] ?? join(tmpdir(), 'callflow-profiles');
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 8);

ensureBuilt();
const directory = mkdtempSync(join(tmpdir(), 'callflow-profile-http-'));
try {
  const flowPath = writeFlow(directory, phoneTree);
  const twilio = await twilioMenuRequests(flowPath);
  const vonage = provider === 'vonage' ? await vonageMenuPools(flowPath) : undefined;
  const [file, config, seeded] =
    provider === 'vonage'
      ? ['vonage-callflow.mjs', vonage!.config, []]
      : provider === 'floor'
        ? ['ceiling.mjs', {}, [twilio.ours]]
        : ['twilio-callflow.mjs', twilio.config, [twilio.ours]];
  // PROFILE_PERF=1: Linux perf (CPU time only, not wall time) instead of V8's sampling profiler.
  const perf = process.env.PROFILE_PERF === '1';
  const execArgv = perf ? ['--perf-basic-prof'] : ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`, '--cpu-prof-interval=200'];
  // Vonage: the server answers its calls first (with --cpu-prof those answers are in the profile too; perf records only the load).
  const { server, pool } =
    provider === 'vonage'
      ? await startAnsweredVonageServer(process.argv[4] ?? file, { ...config, mode: 'node' }, 16_000 * (seconds + 2), directory, execArgv)
      : { server: await startServer(process.argv[4] ?? file, { ...config, mode: 'node' }, execArgv), pool: seeded };
  const cursor = { next: 0 };
  let recorder: ChildProcess | undefined;
  const measured = await load(server.port, pool, {
    seconds,
    warmupSeconds: 2,
    cursor,
    distinct: provider === 'vonage',
    afterWarmup: async () => {
      if (!perf) return;
      mkdirSync(profileDirectory, { recursive: true });
      recorder = spawn('perf', ['record', '-F', '999', '-g', '-p', String(server.child.pid), '-o', join(profileDirectory, 'perf.data')], {
        stdio: 'ignore',
      });
    },
  });
  if (recorder) {
    recorder.kill('SIGINT');
    await new Promise((resolve) => recorder!.once('exit', resolve));
  }
  console.log(`${provider}: ${Math.round(measured.requestsPerSecond)} req/s, non-2xx ${measured.non2xx}, errors ${measured.errors}`);
  await server.stop();
  console.log(`profile in ${profileDirectory}`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
