// Cold start, seed style on Twilio: from the first line, import the twilio SDK, check the signature with
// twilio.validateRequest, read the digits, build the hours TwiML with VoiceResponse (no Express on either side).
const started = performance.now();
const { default: twilio } = await import('twilio');
const imported = performance.now();
const config = JSON.parse(process.env.BENCH_CONFIG);
const voice = { voice: 'woman', language: 'en-US' };
const action = (state) => `${config.publicUrl}?state=${state}`;
const exits = { menu: (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'error', hours: (digits) => (digits === '1' ? 'hours' : 'menu') };
const enterHours = (response) => {
  const gather = response.gather({ input: ['dtmf'], action: action('hours'), method: 'POST', actionOnEmptyResult: true, numDigits: 1 });
  gather.say(voice, 'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.');
  response.redirect({ method: 'POST' }, action('hours'));
};
async function handler(request) {
  const params = Object.fromEntries(new URLSearchParams(await request.text()));
  const url = new URL(request.url);
  if (!twilio.validateRequest(config.authToken, request.headers.get('x-twilio-signature') ?? '', `${config.publicUrl}${url.search}`, params)) return new Response('forbidden', { status: 403 });
  const next = exits[url.searchParams.get('state')]?.(params.Digits) ?? 'menu';
  const response = new twilio.twiml.VoiceResponse();
  if (next === 'hours') enterHours(response);
  return new Response(response.toString(), { headers: { 'content-type': 'text/xml' } });
}
const response = await handler(new Request(config.url, { method: 'POST', headers: config.headers, body: config.body }));
const text = await response.text();
const answered = performance.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, answerMs: answered - started, status: response.status, ok: text.includes('We are open') }));
