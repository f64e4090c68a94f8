import { defineFlow, gather, hangup, say, type Flow } from '@callflow/core';

/** What the person chose on the call, reported by the flow's confirm and reschedule nodes. */
export type ReminderChoice = 'confirmed' | 'reschedule';

/**
 * The reminder call: the appointment with the person's name and date (call variables), then 1 to confirm or 2 to
 * reschedule; an answering machine gets a message after its beep (`machineDetection`).
 * `onChoice` is told what was pressed; it may be told again for the same call (a node is re-read on resume), so keep it idempotent.
 */
export function createReminderFlow(onChoice: (callId: string, choice: ReminderChoice) => void): Flow {
  const intro = say('Hello {{name}}, this is Riverside Clinic with a reminder of your appointment on {{date}}.');
  return defineFlow({
    name: 'appointment-reminder',
    start: 'reminder',
    machineDetection: { onMachine: 'voicemail' },
    nodes: {
      reminder: [
        intro,
        gather({
          prompt: [say('Press 1 to confirm, or 2 to reschedule.')],
          numDigits: 1,
          routes: { '1': 'confirmed', '2': 'reschedule' },
          attempts: 2,
          onExhausted: 'no_reply',
        }),
      ],
      confirmed: (call) => {
        onChoice(call.callId, 'confirmed');
        return [say('Thank you, your appointment is confirmed. Goodbye.'), hangup()];
      },
      reschedule: (call) => {
        onChoice(call.callId, 'reschedule');
        return [say('We will call you back to find a new time. Goodbye.'), hangup()];
      },
      no_reply: [say('We will try you again later. Goodbye.'), hangup()],
      voicemail: [intro, say('Please call us back on 0 1 2 3 4 5 6 7 8 9 to confirm. Goodbye.'), hangup()],
    },
  });
}
