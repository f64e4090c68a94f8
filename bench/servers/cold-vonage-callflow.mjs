// Cold start, callflow on Vonage: from the first line, import the handler, build it, answer one input webhook (press 3).
const started = performance.now();
const { defineFlow } = await import('@callflow/core');
const { createVonageHandler } = await import('@callflow/vonage');
const imported = performance.now();
const { readFileSync } = await import('node:fs');
const config = JSON.parse(process.env.BENCH_CONFIG);
const handler = createVonageHandler({ flow: defineFlow(JSON.parse(readFileSync(config.flowPath, 'utf8'))), secret: config.secret, signatureSecret: config.signatureSecret, publicBaseUrl: config.publicUrl });
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
const text = await response.text();
const answered = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, answerMs: answered - started, status: response.status, ok: text.includes('We are open') }));
