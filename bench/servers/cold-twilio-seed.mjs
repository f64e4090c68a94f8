// Cold start, seed style on Twilio, as a Lambda runs it (seed 003): from the first line, import the twilio SDK, take one
// API Gateway event, check the signature with twilio.validateRequest, read the digits, build the hours TwiML with
// VoiceResponse, return the result.
const started = performance.now();
// CPU time too: other load on a shared machine stretches wall time far more than it does the process's own work.
const startedCpu = process.cpuUsage();
const { default: twilio } = await import('twilio');
const imported = performance.now();
const config = JSON.parse(process.env.BENCH_CONFIG);
const voice = { voice: 'woman', language: 'en-US' };
const action = (state) => `${config.publicUrl}?state=${state}`;
const exits = {
  menu: (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'error',
  hours: (digits) => (digits === '1' ? 'hours' : 'menu'),
};
const enterHours = (response) => {
  const gather = response.gather({ input: ['dtmf'], action: action('hours'), method: 'POST', actionOnEmptyResult: true, numDigits: 1 });
  gather.say(
    voice,
    'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.',
  );
  response.redirect({ method: 'POST' }, action('hours'));
};
async function handler(event) {
  const params = Object.fromEntries(new URLSearchParams(event.body ?? ''));
  const query = new URLSearchParams(event.rawQueryString);
  const signature = event.headers['x-twilio-signature'] ?? '';
  if (!twilio.validateRequest(config.authToken, signature, `${config.publicUrl}?${event.rawQueryString}`, params))
    return { statusCode: 403, body: 'forbidden' };
  const next = exits[query.get('state')]?.(params.Digits) ?? 'menu';
  const response = new twilio.twiml.VoiceResponse();
  if (next === 'hours') enterHours(response);
  return { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: response.toString() };
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
