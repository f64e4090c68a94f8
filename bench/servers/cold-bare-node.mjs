// Cold start floor: a fresh node process that loads one ES module and answers nothing (what every cold start pays first).
const started = performance.now();
const startedCpu = process.cpuUsage();
process.stdout.write(
  JSON.stringify({
    importMs: 0,
    answerMs: performance.now() - started,
    answerCpuMs: cpuMsSince(startedCpu),
    processCpuMs: cpuMsSince(),
    status: 200,
    ok: true,
  }),
);

/** User + system CPU time since `start` (since the process started, without it), in ms. */
function cpuMsSince(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
