// Cold start, callflow on Twilio: from the first line, import the handler, build it, answer one webhook (menu, press 3).
const started = performance.now();
const { defineFlow } = await import('@callflow/core');
const { createTwilioHandler } = await import('@callflow/twilio');
const imported = performance.now();
const { readFileSync } = await import('node:fs');
const config = JSON.parse(process.env.BENCH_CONFIG);
const handler = createTwilioHandler({ flow: defineFlow(JSON.parse(readFileSync(config.flowPath, 'utf8'))), secret: config.secret, authToken: config.authToken, publicBaseUrl: config.publicUrl });
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
const text = await response.text();
const answered = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, answerMs: answered - started, status: response.status, ok: text.includes('We are open') }));
