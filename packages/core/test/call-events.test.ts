import { describe, expect, it } from 'vitest';
import {
  answerRoute,
  createCallEvents,
  createEngine,
  createMemoryStore,
  defineFlow,
  hangup,
  say,
  signOutboundStart,
  silentLogger,
  type CallEvent,
} from '../src/index.js';

const flow = defineFlow({
  name: 'outbound',
  start: 'hello',
  machineDetection: { onMachine: 'message', onUnknown: 'unsure' },
  nodes: {
    hello: [say('Hi.'), hangup()],
    other: [say('Other.'), hangup()],
    message: [say('Message.'), hangup()],
    unsure: [say('Hello?'), hangup()],
  },
});

describe('lifecycle events', () => {
  it('reports each event once under duplicate delivery, and says who ended the call', async () => {
    const seen: CallEvent[] = [];
    const events = createCallEvents({
      provider: 'test',
      store: createMemoryStore(),
      logger: silentLogger,
      hook: (event) => void seen.push(event),
    });
    await events.report('c1', { type: 'started', direction: 'outbound', to: '+15551230000' });
    await events.report('c1', { type: 'started', direction: 'outbound', to: '+15551230000' });
    await events.answered('c1', 'outbound', 'human');
    await events.answered('c1', 'outbound', 'human');
    await events.flowEnded('c1');
    await events.report('c1', { type: 'ended', status: 'completed', durationSeconds: 12 });
    await events.report('c1', { type: 'ended', status: 'completed', durationSeconds: 12 });
    await events.report('c2', { type: 'started', direction: 'outbound' });
    await events.report('c2', { type: 'ended', status: 'no-answer', cause: 'timeout' });
    await events.report('c3', { type: 'ended', status: 'completed' });
    await events.transferEnded('c3', 'token-a', { status: 'busy', raw: 'busy' });
    await events.transferEnded('c3', 'token-a', { status: 'busy', raw: 'busy' });
    await events.transferEnded('c3', 'token-b', { status: 'completed', durationSeconds: 30 });
    expect(seen.map(({ provider: _provider, ...event }) => event)).toEqual([
      { type: 'call-started', callId: 'c1', direction: 'outbound', to: '+15551230000' },
      { type: 'call-answered', callId: 'c1', direction: 'outbound', answeredBy: 'human' },
      { type: 'call-ended', callId: 'c1', status: 'completed', endedBy: 'flow', durationSeconds: 12 },
      { type: 'call-started', callId: 'c2', direction: 'outbound' },
      { type: 'call-ended', callId: 'c2', status: 'no-answer', endedBy: 'far-end', cause: 'timeout' },
      { type: 'call-ended', callId: 'c3', status: 'completed', endedBy: 'caller' },
      { type: 'transfer-ended', callId: 'c3', status: 'busy', cause: 'busy' },
      { type: 'transfer-ended', callId: 'c3', status: 'completed', durationSeconds: 30 },
    ]);
  });

  it('logs a failing hook instead of throwing', async () => {
    const errors: string[] = [];
    const logger = { warn: () => undefined, error: (message: string) => void errors.push(message) };
    const events = createCallEvents({
      provider: 'test',
      store: createMemoryStore(),
      logger,
      hook: () => Promise.reject(new Error('database down')),
    });
    await events.report('c1', { type: 'started', direction: 'inbound' });
    expect(errors).toEqual(['[callflow:test] onCallEvent failed for call-started: database down']);
  });
});

describe('outbound starts', () => {
  it('signs the node and variables for a nonce, and refuses an unknown node or a variable that is not a string', async () => {
    const engine = createEngine(flow, { secret: 'outbound-secret-0123456789abcdef' });
    const start = await signOutboundStart(engine, { node: 'other', vars: { name: 'Ada' } }, 'test');
    const { state } = await engine.inspect(start.token, { callId: `outbound:${start.nonce}` });
    expect(state).toMatchObject({ node: 'other', step: 0, vars: { name: 'Ada' } });
    await expect(engine.inspect(start.token, { callId: 'outbound:000000000000000000000000' })).rejects.toThrow(/another call/);
    await expect(signOutboundStart(engine, { node: 'nowhere' }, 'test')).rejects.toThrow(/unknown node 'nowhere'/);
    await expect(signOutboundStart(engine, { vars: { count: 3 as unknown as string } }, 'test')).rejects.toThrow(
      /call variable 'count' must be a string/,
    );
  });

  it('routes on who answered: the start node for a person, the flow routes for a machine or an unknown party', () => {
    const engine = createEngine(flow, { secret: 'outbound-secret-0123456789abcdef' });
    expect(['human', 'machine', 'unknown', undefined].map((by) => answerRoute(engine, 'other', by as never))).toEqual([
      'other',
      'message',
      'unsure',
      'other',
    ]);
  });

  it('refuses a flow whose machine-detection route names no node, with a hint', () => {
    expect(() =>
      defineFlow({
        name: 'bad',
        start: 'a',
        machineDetection: { onMachine: 'voicemal' as 'a' },
        nodes: { a: [hangup()], voicemail: [hangup()] },
      }),
    ).toThrow(/machineDetection\.onMachine: unknown node 'voicemal'.*voicemail/s);
  });
});
