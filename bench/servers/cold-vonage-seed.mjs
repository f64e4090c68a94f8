// Cold start, seed style on Vonage: from the first line, import @vonage/jwt and @vonage/voice, verify the JWT and
// its payload_hash, read the digits, build the hours NCCO with NCCOBuilder (no Express on either side).
const started = performance.now();
const { verifySignature } = await import('@vonage/jwt');
const { Input, NCCOBuilder, Talk } = await import('@vonage/voice');
const { createHash } = await import('node:crypto');
const imported = performance.now();
const config = JSON.parse(process.env.BENCH_CONFIG);
const hoursPrompt = 'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.';
const exits = { menu: (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'error', hours: (digits) => (digits === '1' ? 'hours' : 'menu') };
async function handler(request) {
  const raw = await request.text();
  const token = (request.headers.get('authorization') ?? '').split(' ')[1];
  if (!token || !verifySignature(token, config.signatureSecret)) return new Response(null, { status: 401 });
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  if (claims.payload_hash !== createHash('sha256').update(raw).digest('hex')) return new Response(null, { status: 401 });
  const body = JSON.parse(raw);
  const url = new URL(request.url);
  const next = exits[url.searchParams.get('state')]?.(body.dtmf?.digits) ?? 'menu';
  const ncco = new NCCOBuilder();
  if (next === 'hours') {
    ncco
      .addAction(new Talk(hoursPrompt, true, undefined, undefined, 'en-US'))
      .addAction(new Input({ maxDigits: 1, timeOut: 5, submitOnHash: true }, undefined, `${config.publicUrl}/input?state=hours&call=${body.uuid}`, 'POST'));
  }
  return new Response(JSON.stringify(ncco.build()), { headers: { 'content-type': 'application/json' } });
}
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
const text = await response.text();
const answered = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, answerMs: answered - started, status: response.status, ok: text.includes('We are open') }));
