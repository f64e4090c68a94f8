// Cold start, seed style on Vonage, as a Lambda runs it: from the first line, import @vonage/jwt and @vonage/voice, take
// one API Gateway event, verify the JWT and its payload_hash, read the digits, build the hours NCCO with NCCOBuilder.
const started = performance.now();
// CPU time too: other load on a shared machine stretches wall time far more than it does the process's own work.
const startedCpu = process.cpuUsage();
const { verifySignature } = await import('@vonage/jwt');
const { Input, NCCOBuilder, Talk } = await import('@vonage/voice');
const { createHash } = await import('node:crypto');
const imported = performance.now();
const config = JSON.parse(process.env.BENCH_CONFIG);
const hoursPrompt =
  'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.';
const exits = {
  menu: (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'error',
  hours: (digits) => (digits === '1' ? 'hours' : 'menu'),
};
async function handler(event) {
  const raw = event.body ?? '';
  const token = (event.headers.authorization ?? '').split(' ')[1];
  if (!token || !verifySignature(token, config.signatureSecret)) return { statusCode: 401, body: '' };
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  if (claims.payload_hash !== createHash('sha256').update(raw).digest('hex')) return { statusCode: 401, body: '' };
  const body = JSON.parse(raw);
  const next = exits[new URLSearchParams(event.rawQueryString).get('state')]?.(body.dtmf?.digits) ?? 'menu';
  const ncco = new NCCOBuilder();
  if (next === 'hours') {
    ncco
      .addAction(new Talk(hoursPrompt, true, undefined, undefined, 'en-US'))
      .addAction(
        new Input(
          { maxDigits: 1, timeOut: 5, submitOnHash: true },
          undefined,
          `${config.publicUrl}/input?state=hours&call=${body.uuid}`,
          'POST',
        ),
      );
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(ncco.build()) };
}
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
