// Cold start, callflow on Telnyx: from the first line, import the handler and the telnyx SDK (the user's client sends
// the commands), answer one call.initiated (→ answer, speak the greeting). The client's fetch counts, never sends.
const started = performance.now();
// CPU time too: other load on a shared machine stretches wall time far more than it does the process's own work.
const startedCpu = process.cpuUsage();
const { defineFlow } = await import('@callflow/core');
const { createTelnyxHandler } = await import('@callflow/telnyx');
const { Telnyx } = await import('telnyx');
const imported = performance.now();
// The flow file through the CommonJS node:fs (loaded at startup already): `await import('node:fs')` builds its ES module
// facade, whose export getters load fs streams, fs/promises and node:stream (~4 ms here), a cost of this script, not of callflow.
const { readFileSync } = process.getBuiltinModule('node:fs');
const config = JSON.parse(process.env.BENCH_CONFIG);
const sent = [];
const fetch = async (url) => {
  sent.push(String(url).split('/').pop());
  return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
};
const handler = createTelnyxHandler({
  flow: defineFlow(JSON.parse(readFileSync(config.flowPath, 'utf8'))),
  secret: config.secret,
  publicKey: config.publicKey,
  client: new Telnyx({ apiKey: 'bench', maxRetries: 0, fetch }),
});
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
await response.text();
const answered = performance.now();
const answeredCpu = process.cpuUsage();
process.stdout.write(
  JSON.stringify({
    importMs: imported - started,
    answerMs: answered - started,
    answerCpuMs: (answeredCpu.user + answeredCpu.system - startedCpu.user - startedCpu.system) / 1000,
    processCpuMs: (answeredCpu.user + answeredCpu.system) / 1000,
    status: response.status,
    ok: sent.includes('answer'),
    sent,
  }),
);
