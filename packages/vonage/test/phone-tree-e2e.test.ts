import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneTree } from '@callflow/example-flows';
import { createVonageEmulator, spoken, type VonageEmulator } from '@callflow/testing';
import { createVonageHandler, type VonageHandler } from '@callflow/vonage';
import { serve } from './serve.js';

const secret = 'test-secret-0123456789abcdef';
const signatureSecret = 'vonage-signature-secret';

describe('phone tree on the Vonage emulator', () => {
  let handler: VonageHandler;
  let server: Awaited<ReturnType<typeof serve>>;
  let vonage: VonageEmulator;
  const voicemails: Array<string | undefined> = [];

  beforeAll(async () => {
    let publicBaseUrl = '';
    const lazy = (request: Request) => handler(request);
    server = await serve(lazy);
    publicBaseUrl = `${server.url}/vonage`;
    handler = createVonageHandler({
      flow: phoneTree,
      secret,
      publicBaseUrl,
      signatureSecret,
      hooks: { voicemail: (effect) => void voicemails.push(effect.recording?.url) },
    });
    vonage = await createVonageEmulator({ answerUrl: `${publicBaseUrl}/answer`, eventUrl: `${publicBaseUrl}/event`, signatureSecret });
  });
  afterAll(async () => {
    await vonage.close();
    await server.close();
  });

  it('greets, reads the menu, and takes a voicemail on 1', async () => {
    // The hook's list is the file's: the other voicemail calls of this file (in any order) must not count here.
    voicemails.length = 0;
    const transcript = await vonage.call({ input: ['1'], recordings: [{ durationSeconds: 12 }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toEqual([
      'Hello, and welcome to ACME, Inc.',
      'Press 1 for sales, 2 for support, 3 for our business hours, or 0 to speak with reception. Press 9 to hear these options again.',
      'All our sales representatives are busy. Please leave a message after the beep, and press the pound key when you are done.',
      'Thank you for your message. Goodbye.',
    ]);
    expect(transcript.entries).toContainEqual(expect.objectContaining({ type: 'record', durationSeconds: 12 }));
    expect(transcript.endedBy).toBe('flow');
    expect(voicemails).toHaveLength(1);
    expect(voicemails[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/files\//);
  });

  it('goes back to the menu on invalid input and hangs up after three tries', async () => {
    const transcript = await vonage.call({ input: ['7', { silence: true }, '8'] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript).filter((line) => line === 'Sorry, that is not a valid option.')).toHaveLength(2);
    expect(spoken(transcript).at(-1)).toBe('Thank you for calling ACME. Goodbye.');
    expect(transcript.endedBy).toBe('flow');
  });

  it('falls back to voicemail when reception is busy', async () => {
    const transcript = await vonage.call({ input: ['0'], transfers: ['busy'] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+15005550006', status: 'busy' });
    expect(spoken(transcript)).toContain('Reception is not available right now.');
    expect(transcript.entries.some((entry) => entry.type === 'record')).toBe(true);
  });

  it.each([
    ['no-answer', 'unanswered'],
    ['no-answer', 'timeout'],
    ['failed', 'rejected'],
    ['canceled', 'cancelled'],
  ] as const)('falls back to voicemail when the connect leg reports %s as %s (documented statuses)', async (status, vonageStatus) => {
    const transcript = await vonage.call({ input: ['0'], transfers: [{ status, vonageStatus }] });
    expect(transcript.errors).toEqual([]);
    expect(spoken(transcript)).toContain('Reception is not available right now.');
    expect(transcript.entries.some((entry) => entry.type === 'record')).toBe(true);
  });

  it('says goodbye after an answered reception call ends', async () => {
    const transcript = await vonage.call({ input: ['0'] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toContainEqual({ type: 'transfer', to: '+15005550006', status: 'completed' });
    expect(spoken(transcript).at(-1)).toBe('Thank you for calling ACME. Goodbye.');
  });

  it('repeats the hours on 1 and returns to the menu on another key', async () => {
    const transcript = await vonage.call({ input: ['3', '1', '5', '1'], recordings: [{ hangup: true }] });
    expect(transcript.errors).toEqual([]);
    const lines = spoken(transcript);
    expect(lines.filter((line) => line.startsWith('We are open Monday to Friday'))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('Press 1 for sales'))).toHaveLength(2);
    expect(transcript.endedBy).toBe('caller');
  });

  it('queues a support caller who waits in a conversation until an agent bridges', async () => {
    const transcript = await vonage.call({ input: ['2'], queues: [{ result: 'bridged' }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toContainEqual({ type: 'enqueue', queue: 'support', result: 'bridged' });
    expect(spoken(transcript)).toContain('You are number 1 in line.');
    expect(spoken(transcript).at(-1)).toBe('Thank you for calling ACME. Goodbye.');
    expect(await handler.queuedCallers('support')).toEqual([]);
  });

  it('removes a caller who hangs up in the queue', async () => {
    const transcript = await vonage.call({ input: ['2'], queues: [{ result: 'hangup' }] });
    expect(transcript.errors).toEqual([]);
    expect(transcript.entries).toContainEqual({ type: 'enqueue', queue: 'support', result: 'hangup' });
    expect(transcript.endedBy).toBe('caller');
    expect(await handler.queuedCallers('support')).toEqual([]);
  });
});
