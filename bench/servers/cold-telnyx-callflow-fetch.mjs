// Cold start, callflow on Telnyx with the built-in Call Control client (createCallControlClient, no fetch option), as a
// Lambda runs it: from the first line, import the handler, answer one call.initiated API Gateway event through
// toLambdaHandler (→ answer, speak the greeting). No telnyx SDK is loaded; the client sends its commands over real HTTP
// (node:http, keep-alive) to the stand-in API the bench parent started on 127.0.0.1 (cold-telnyx-callflow-api.mjs),
// which counts them.
const started = performance.now();
// CPU time too: other load on a shared machine stretches wall time far more than it does the process's own work.
const startedCpu = process.cpuUsage();
const { defineFlow, toLambdaHandler } = await import('@callflow/core');
const { createCallControlClient, createTelnyxHandler } = await import('@callflow/telnyx');
const imported = performance.now();
// The flow file through the CommonJS node:fs (loaded at startup already): `await import('node:fs')` builds its ES module
// facade, whose export getters load fs streams, fs/promises and node:stream (~4 ms here), a cost of this script, not of callflow.
const { readFileSync } = process.getBuiltinModule('node:fs');
const config = JSON.parse(process.env.BENCH_CONFIG);
const handler = toLambdaHandler(
  createTelnyxHandler({
    flow: defineFlow(JSON.parse(readFileSync(config.flowPath, 'utf8'))),
    secret: config.secret,
    publicKey: config.publicKey,
    client: createCallControlClient({ apiKey: 'bench', baseUrl: config.apiBaseUrl }),
  }),
);
const result = await handler(lambdaEvent(config));
const answered = performance.now();
const answeredCpu = process.cpuUsage();
process.stdout.write(
  JSON.stringify({
    importMs: imported - started,
    answerMs: answered - started,
    answerCpuMs: (answeredCpu.user + answeredCpu.system - startedCpu.user - startedCpu.system) / 1000,
    processCpuMs: (answeredCpu.user + answeredCpu.system) / 1000,
    status: result.statusCode,
    // The commands are counted by the stand-in API; the parent checks every run's answer arrived there.
    ok: result.statusCode === 200,
  }),
);

/** An API Gateway HTTP API (v2) event for the request the parent prepared. */
function lambdaEvent({ url, headers, body }) {
  const parsed = new URL(url);
  return {
    version: '2.0',
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { domainName: parsed.host, http: { method: 'POST' } },
  };
}
