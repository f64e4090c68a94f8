import { defineFlow, gather, hangup, hours, record, say, transfer } from '@callflow/core';

export const flow = defineFlow({
  name: 'my-first-flow',
  start: 'welcome',
  defaults: { voice: 'Polly.Joanna', language: 'en-US' },
  schedules: {
    office: { timezone: 'America/New_York', weekly: { weekdays: ['09:00-17:00'] } },
  },
  nodes: {
    welcome: [say('Thanks for calling Example Co.'), hours('office', { open: 'menu', closed: 'voicemail' })],
    menu: [
      gather({
        prompt: 'Press 1 to talk to us, or 2 to leave a message.',
        numDigits: 1,
        routes: { '1': 'talk', '2': 'voicemail' },
        invalidPrompt: [say('Sorry, I did not get that.')],
        attempts: 3,
        onExhausted: 'voicemail',
      }),
    ],
    talk: [say('Connecting you now.'), transfer('+14155550100', { ringSeconds: 20, onBusy: 'voicemail', onNoAnswer: 'voicemail' })],
    voicemail: [say('Please leave a message after the beep.'), record({ maxSeconds: 120, notify: 'new-voicemail' }), say('Thank you. Goodbye.'), hangup()],
  },
});
