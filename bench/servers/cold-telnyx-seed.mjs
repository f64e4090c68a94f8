// Cold start, seed style on Telnyx (seed 000): from the first line, import the telnyx SDK, unwrap (verify ed25519 and
// parse) one call.initiated and answer the call through the client. The client's fetch counts, never sends.
const started = performance.now();
// CPU time too: other load on a shared machine stretches wall time far more than it does the process's own work.
const startedCpu = process.cpuUsage();
const { Telnyx } = await import('telnyx');
const imported = performance.now();
const config = JSON.parse(process.env.BENCH_CONFIG);
const sent = [];
const fetch = async (url) => {
  sent.push(String(url).split('/').pop());
  return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
};
const client = new Telnyx({ apiKey: 'bench', publicKey: config.publicKey, maxRetries: 0, fetch });
async function handler(request) {
  let event;
  try {
    event = await client.webhooks.unwrap(await request.text(), { headers: Object.fromEntries(request.headers) });
  } catch {
    return new Response(null, { status: 403 });
  }
  const data = event.data;
  if (data.event_type === 'call.initiated' && data.payload.direction === 'incoming') {
    await client.calls.actions.answer(data.payload.call_control_id, { client_state: Buffer.from('incoming').toString('base64') });
  }
  return new Response(null, { status: 200 });
}
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
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
