// The seed-001 phone tree (Flask + the twilio helper + a state machine), ported the way a Node user writes it:
// Express, express.urlencoded, twilio.webhook() for X-Twilio-Signature, VoiceResponse for the TwiML.
// The state rides in the action URL (?state=…), unsigned; the seed keeps it in Flask's signed session cookie.
import { createServer } from 'node:http';
import express from 'express';
import twilio from 'twilio';
import { config, listen } from './common.mjs';

const { VoiceResponse } = twilio.twiml;
const voice = { voice: 'woman', language: 'en-US' };
const action = (state) => `${config.publicUrl}?state=${state}`;

const enterGreeting = (response) => response.say(voice, 'Hello, and welcome to ACME, Inc.');
const enterMenu = (response) => {
  const gather = response.gather({
    input: ['dtmf'],
    action: action('menu'),
    method: 'POST',
    actionOnEmptyResult: true,
    timeout: 5,
    numDigits: 1,
  });
  gather.say(
    voice,
    'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
  );
  response.redirect({ method: 'POST' }, action('menu'));
};
const exitMenu = (digits) => ({ 1: 'sales', 2: 'support', 3: 'hours', 0: 'reception', 9: 'menu' })[digits] ?? 'error';
const enterHours = (response) => {
  const gather = response.gather({ input: ['dtmf'], action: action('hours'), method: 'POST', actionOnEmptyResult: true, numDigits: 1 });
  gather.say(
    voice,
    'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.',
  );
  response.redirect({ method: 'POST' }, action('hours'));
};
const exitHours = (digits) => (digits === '1' ? 'hours' : 'menu');
const enterError = (response) => response.say(voice, 'Sorry, that is not a valid option.');
const enterSales = (response) => {
  response.say(
    voice,
    'All our sales representatives are busy. Please leave a message after the beep, and press the pound key when you are done.',
  );
  response.record({ maxLength: 120, finishOnKey: '#', playBeep: true });
};
const enterSupport = (response) => {
  response.say(voice, 'Please hold while we connect you with a support agent.');
  response.enqueue({ waitUrl: 'https://audio.example.com/hold-music.mp3' }, 'support');
};
const enterReception = (response) => {
  response.say(voice, 'Connecting you to reception.');
  response.dial({ timeout: 20 }, '+15005550006');
};

// state → [enter, exit]: exit is null (terminal), the next state's name, or a function of the digits.
const ivr = {
  greeting: [enterGreeting, 'menu'],
  menu: [enterMenu, exitMenu],
  hours: [enterHours, exitHours],
  error: [enterError, 'menu'],
  sales: [enterSales, null],
  support: [enterSupport, null],
  reception: [enterReception, null],
};

function enterState(state) {
  const response = new VoiceResponse();
  for (;;) {
    const [enter, exit] = ivr[state];
    enter(response);
    if (typeof exit !== 'string') return response;
    state = exit;
  }
}

function exitState(state, digits) {
  const exit = ivr[state]?.[1];
  return typeof exit === 'function' ? exit(digits) : 'greeting';
}

const app = express();
app.use(express.urlencoded({ extended: false }));
const url = new URL(config.publicUrl);
app.post('/voice', twilio.webhook(config.authToken, { protocol: url.protocol.slice(0, -1), host: url.host }), (req, res) => {
  const state = typeof req.query.state === 'string' ? exitState(req.query.state, req.body.Digits) : 'greeting';
  res.type('text/xml').send(enterState(state).toString());
});
listen(createServer(app));
