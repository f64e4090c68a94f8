// WHAT-IF cold start, not how callflow ships today: callflow on Telnyx with a ~20-line fetch client in place of the
// telnyx SDK client (the handler only calls client.calls.actions.<command>(id, body) and client.conferences).
// Answers one call.initiated (→ answer, speak the greeting); the fetch counts, never sends.
const started = performance.now();
const { defineFlow } = await import('@callflow/core');
const { createTelnyxHandler } = await import('@callflow/telnyx');
const imported = performance.now();
const { readFileSync } = await import('node:fs');
const config = JSON.parse(process.env.BENCH_CONFIG);
const sent = [];
const fetch = async (url) => {
  sent.push(String(url).split('/').pop());
  return new Response('{"data":{"result":"ok"}}', { status: 200, headers: { 'content-type': 'application/json' } });
};
const snake = (name) => ({ gatherUsingSpeak: 'gather_using_speak', gatherUsingAudio: 'gather_using_audio', startPlayback: 'playback_start', stopPlayback: 'playback_stop', startRecording: 'record_start', stopRecording: 'record_stop' })[name] ?? name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const post = async (path, body) => {
  const response = await fetch(`https://api.telnyx.com/v2/${path}`, { method: 'POST', headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  if (!response.ok) throw Object.assign(new Error(`telnyx ${response.status}`), { status: response.status, error: await response.json() });
  return response.json();
};
const client = {
  calls: { actions: new Proxy({}, { get: (_, name) => (id, body) => post(`calls/${encodeURIComponent(id)}/actions/${snake(String(name))}`, body) }) },
  conferences: { create: (body) => post('conferences', body), actions: new Proxy({}, { get: (_, name) => (id, body) => post(`conferences/${id}/actions/${snake(String(name))}`, body) }) },
};
const handler = createTelnyxHandler({ flow: defineFlow(JSON.parse(readFileSync(config.flowPath, 'utf8'))), secret: config.secret, publicKey: config.publicKey, client });
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
await response.text();
const answered = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, answerMs: answered - started, status: response.status, ok: sent.includes('answer'), sent }));
