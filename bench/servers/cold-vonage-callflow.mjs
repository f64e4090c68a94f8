// Cold start, callflow on Vonage, as a Lambda runs it: from the first line, import the handler, build it, answer one
// API Gateway event (the menu's input webhook, press 3) through toLambdaHandler.
const started = performance.now();
// CPU time too: other load on a shared machine stretches wall time far more than it does the process's own work.
const startedCpu = process.cpuUsage();
const { defineFlow, toLambdaHandler } = await import('@callflow/core');
const { createVonageHandler } = await import('@callflow/vonage');
const imported = performance.now();
// The flow file through the CommonJS node:fs (loaded at startup already): `await import('node:fs')` builds its ES module
// facade, whose export getters load fs streams, fs/promises and node:stream, a cost of this script, not of callflow.
const { readFileSync } = process.getBuiltinModule('node:fs');
const config = JSON.parse(process.env.BENCH_CONFIG);
const handler = toLambdaHandler(
  createVonageHandler({
    flow: defineFlow(JSON.parse(readFileSync(config.flowPath, 'utf8'))),
    secret: config.secret,
    signatureSecret: config.signatureSecret,
    publicBaseUrl: config.publicUrl,
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
    ok: result.body.includes('We are open'),
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
