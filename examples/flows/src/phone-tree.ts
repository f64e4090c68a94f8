import { defineFlow, enqueue, gather, goto, hangup, record, say, transfer } from '@callflow/core';

/** Settings for the phone tree. */
export interface PhoneTreeOptions {
  /** Number the reception option dials. */
  receptionNumber?: string;
  /** Music looped while a caller waits in the support queue. */
  holdMusicUrl?: string;
}

/**
 * Seed 001, the state-machine phone tree: greeting → menu; 1 sales (voicemail), 2 support (queue with
 * music), 3 hours (1 repeats, anything else back to the menu), 0 reception (dial); 9 repeats the menu;
 * invalid input or silence → error → menu, three times at most.
 */
export function createPhoneTree(options: PhoneTreeOptions = {}) {
  return defineFlow({
    name: 'phone-tree',
    start: 'greeting',
    defaults: { voice: 'woman', language: 'en-US' },
    nodes: {
      greeting: [say('Hello, and welcome to ACME, Inc.'), goto('menu')],
      menu: [
        gather({
          prompt:
            'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
          numDigits: 1,
          timeoutSeconds: 5,
          routes: { '1': 'sales', '2': 'support', '3': 'hours', '0': 'reception', '9': 'menu' },
          onInvalid: 'error',
          onNoInput: 'error',
          attempts: 3,
          onExhausted: 'goodbye',
        }),
      ],
      error: [say('Sorry, that is not a valid option.'), goto('menu')],
      sales: [
        say('All our sales representatives are busy. Please leave a message after the beep, and press the pound key when you are done.'),
        record({ maxSeconds: 120, finishOnKey: '#', beep: true, notify: 'voicemail', saveAs: 'voicemail' }),
        say('Thank you for your message. Goodbye.'),
        hangup(),
      ],
      support: [
        say('Please hold while we connect you with a support agent.'),
        enqueue('support', {
          holdMusic: options.holdMusicUrl ?? 'https://audio.example.com/hold-music.mp3',
          announcePosition: true,
          then: 'goodbye',
        }),
      ],
      hours: [
        gather({
          prompt:
            'We are open Monday to Friday, from 9 in the morning to 5 in the afternoon. Press 1 to hear this again, or any other key to go back to the menu.',
          numDigits: 1,
          routes: { '1': 'hours' },
          onInvalid: 'menu',
          onNoInput: 'menu',
          // Any other key is a way back to the menu, not a mistake: allow many round trips.
          attempts: 10,
          onExhausted: 'goodbye',
        }),
      ],
      reception: [
        say('Connecting you to reception.'),
        transfer(options.receptionNumber ?? '+15005550006', { ringSeconds: 20, then: 'goodbye', onFailed: 'reception_unavailable' }),
      ],
      reception_unavailable: [say('Reception is not available right now.'), goto('sales')],
      goodbye: [say('Thank you for calling ACME. Goodbye.'), hangup()],
    },
  });
}

/** The phone tree with its default numbers. */
export const phoneTree = createPhoneTree();
