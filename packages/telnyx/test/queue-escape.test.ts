import { describe, expect, it } from 'vitest';
import { defineFlow, enqueue, hangup, record, say } from '@callflow/core';
import { spoken } from '@callflow/testing';
import { startRig } from './harness.js';

const flow = defineFlow({
  name: 'queue-escape',
  start: 'wait',
  nodes: {
    wait: [
      enqueue('sales', {
        holdMusic: 'https://audio.example.com/hold.mp3',
        maxWaitSeconds: 300,
        escape: { digit: '*', to: 'voicemail' },
        onTimeout: 'voicemail',
      }),
    ],
    voicemail: [say('Leave a message.'), record({ maxSeconds: 60 }), say('Bye.'), hangup()],
  },
});

describe('enqueue on Telnyx: escape key and timeout', () => {
  it('pressing * leaves the queue (leave_queue), stops the music and goes to voicemail', async () => {
    const rig = await startRig(flow);
    try {
      const transcript = await rig.emulator.call({ queues: [{ result: 'left', digit: '*' }], recordings: [{ durationSeconds: 8 }] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Leave a message.', 'Bye.']);
      // The music starts on call.enqueued, one play at a time; at each break callflow asks the queue where the caller is.
      expect(rig.emulator.requests.map((request) => request.action)).toEqual([
        'answer',
        'enqueue',
        // With an escape key each play is followed by a second of silence (a speak of one SSML break), as on Twilio and Vonage.
        'playback_start',
        'speak',
        'queues.calls.retrieve',
        'queues.retrieve',
        'playback_start',
        'speak',
        'leave_queue',
        'playback_stop',
        'speak',
        // The voicemail: callflow times its silence (a transcription and a silent gather, stopped while the caller talks).
        'transcription_start',
        'record_start',
        'gather',
        'gather_stop',
        'gather',
        'record_stop',
        'gather_stop',
        'transcription_stop',
        'speak',
        'hangup',
      ]);
      expect(rig.emulator.requests[1]!.body).toMatchObject({ queue_name: 'sales', max_wait_time_secs: 300 });
      expect(rig.emulator.requests[2]!.body).toMatchObject({ audio_url: 'https://audio.example.com/hold.mp3' });
      expect(rig.emulator.requests[2]!.body).not.toHaveProperty('loop');
      expect(rig.emulator.requests[3]!.body).toMatchObject({ payload: '<speak><break time="1000ms"/></speak>', payload_type: 'ssml' });
      // The key is pressed as the first play ends (the 30 s wait is over): the caller never hears that play's silence, nor the
      // second play, sent at the break and cut off by leave_queue.
      expect(transcript.entries.filter((entry) => entry.type === 'pause' || entry.type === 'play')).toEqual([
        { type: 'play', url: 'https://audio.example.com/hold.mp3' },
      ]);
    } finally {
      await rig.close();
    }
  });

  it('a queue timeout goes to onTimeout', async () => {
    const rig = await startRig(flow);
    try {
      const transcript = await rig.emulator.call({ queues: [{ result: 'timeout' }], recordings: [{ durationSeconds: 2 }] });
      expect(transcript.errors).toEqual([]);
      expect(spoken(transcript)).toEqual(['Leave a message.', 'Bye.']);
      expect(rig.emulator.requests.map((request) => request.action)).not.toContain('leave_queue');
    } finally {
      await rig.close();
    }
  });
});
