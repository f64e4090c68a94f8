import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Flow, Schedule } from '../src/index.js';

// luxon is a chunk of its own (issue 17): the engine loads it before a flow's first hours check, and a flow without
// schedules never loads it. Each test imports core afresh, as a new process would: nothing is loaded yet.

type Core = typeof import('../src/index.js');
const freshCore = async (): Promise<Core> => {
  vi.resetModules();
  return import('../src/index.js');
};

const office: Schedule = { timezone: 'America/New_York', weekly: { weekdays: ['09:00-17:00'] }, closures: [{ date: '2026-12-25' }] };
const call = { callId: 'CA-lazy', from: '+15551230000', to: '+15559870000', provider: 'twilio' };
// Monday 2026-11-23: 10:00 in New York (open), 20:00 (closed); Christmas Day at 10:00 (holiday).
const mondayOpen = Date.parse('2026-11-23T15:00:00Z');
const mondayClosed = Date.parse('2026-11-24T01:00:00Z');
const christmas = Date.parse('2026-12-25T15:00:00Z');

function hoursFlow(core: Core): Flow {
  return core.defineFlow({
    name: 'lazy-hours',
    start: 'entry',
    schedules: { office },
    nodes: {
      entry: [core.say('Welcome.'), core.hours('office', { open: 'open', closed: 'closed', holiday: 'holiday' })],
      open: [core.say('We are open.'), core.hangup()],
      closed: [core.say('We are closed.'), core.hangup()],
      holiday: [core.say('Happy holidays.'), core.hangup()],
    },
  });
}

const spoken = (turn: { steps: Array<{ step: { type: string; text?: string } }> }) => turn.steps.map(({ step }) => step.text);

describe('business hours, loaded lazily', () => {
  beforeEach(() => {
    vi.resetModules();
  });

  it('a fresh import has not loaded luxon', async () => {
    const core = await freshCore();
    expect(core.businessHoursLoaded()).toBe(false);
  });

  it("answers a flow's first hours check in a fresh import, open, closed and on a holiday", async () => {
    for (const [at, expected] of [
      [mondayOpen, 'We are open.'],
      [mondayClosed, 'We are closed.'],
      [christmas, 'Happy holidays.'],
    ] as const) {
      const core = await freshCore();
      const engine = core.createEngine(hoursFlow(core), { secret: 'lazy-secret-0123456789', now: () => at });
      const turn = await engine.start(call);
      expect(spoken(turn)).toEqual(['Welcome.', expected]);
      expect(turn.ended).toBe(true);
      expect(core.businessHoursLoaded()).toBe(true);
    }
  });

  it('an hours step naming a schedule the flow does not have fails without loading luxon', async () => {
    const core = await freshCore();
    // No schedules, so createEngine does not preload; a dynamic node returns an hours step all the same.
    const engine = core.createEngine(
      {
        version: 1,
        name: 'dynamic-hours',
        start: 'entry',
        schedules: {},
        nodes: {
          entry: async () => [core.say('Checking.'), core.hours('office', { open: 'open', closed: 'closed' })],
          open: [core.say('Open.'), core.hangup()],
          closed: [core.say('Closed.'), core.hangup()],
        },
      } as unknown as Flow,
      { secret: 'lazy-secret-0123456789', now: () => mondayOpen },
    );
    expect(core.businessHoursLoaded()).toBe(false);
    // The schedule the dynamic node names does not exist: the engine reports it, loading nothing.
    const unknown = await engine.start(call);
    expect(unknown.error?.message).toMatch(/unknown schedule 'office'/);
    expect(core.businessHoursLoaded()).toBe(false);
  });

  it('continues the same walk after loading: the media before the hours step plays once, the dynamic node runs no extra time', async () => {
    const run = async (preload: boolean) => {
      const core = await freshCore();
      let evaluations = 0;
      const flow = {
        version: 1,
        name: 'dynamic-hours',
        start: 'entry',
        schedules: { office },
        nodes: {
          entry: async () => {
            evaluations++;
            return [core.say('Checking.'), core.hours('office', { open: 'open', closed: 'closed' })];
          },
          open: [core.say('Open.'), core.hangup()],
          closed: [core.say('Closed.'), core.hangup()],
        },
      } as unknown as Flow;
      if (preload) await core.loadBusinessHours();
      expect(core.businessHoursLoaded()).toBe(preload);
      const engine = core.createEngine(flow, { secret: 'lazy-secret-0123456789', now: () => mondayClosed });
      const turn = await engine.start(call);
      return { spoken: spoken(turn), evaluations };
    };
    const lazily = await run(false);
    expect(lazily.spoken).toEqual(['Checking.', 'Closed.']);
    expect(lazily).toEqual(await run(true));
  });

  it('a flow without schedules never loads luxon, over a whole call', async () => {
    const core = await freshCore();
    const flow = core.defineFlow({
      name: 'no-hours',
      start: 'menu',
      nodes: {
        menu: [core.gather({ prompt: [core.say('Press 1.')], numDigits: 1, routes: { '1': 'done' } })],
        done: [core.say('Thanks.'), core.hangup()],
      },
    });
    const engine = core.createEngine(flow, { secret: 'lazy-secret-0123456789' });
    const first = await engine.start(call);
    const second = await engine.resume(first.token!, { type: 'digits', digits: '1' }, call);
    expect(spoken(second)).toEqual(['Thanks.']);
    expect(core.businessHoursLoaded()).toBe(false);
  });

  it('the synchronous functions work in a fresh import on Node without loadBusinessHours()', async () => {
    const core = await freshCore();
    expect(core.isOpen(office, mondayOpen)).toBe(true);
    expect(core.checkHours(office, christmas)).toMatchObject({ open: false, source: 'holiday' });
    expect(core.businessHoursLoaded()).toBe(true);
  });

  it('loadBusinessHours() loads luxon once; later calls share it', async () => {
    const core = await freshCore();
    await Promise.all([core.loadBusinessHours(), core.loadBusinessHours()]);
    expect(core.businessHoursLoaded()).toBe(true);
    await core.loadBusinessHours();
    expect(core.nextChange(office, mondayOpen)).toEqual(new Date('2026-11-23T22:00:00Z'));
  });

  it('on a runtime without process.getBuiltinModule (Workers), a direct call before loadBusinessHours() says what to do', async () => {
    const core = await freshCore();
    const original = process.getBuiltinModule;
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
    try {
      let thrown: unknown;
      try {
        core.isOpen(office, mondayOpen);
      } catch (error) {
        thrown = error;
      }
      expect(core.isCallFlowError(thrown, 'missing-package')).toBe(true);
      expect((thrown as Error).message).toMatch(/await loadBusinessHours\(\)/);
      // The chunk itself loads through import(), which every runtime has.
      await core.loadBusinessHours();
      expect(core.isOpen(office, mondayOpen)).toBe(true);
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', { value: original, configurable: true, writable: true });
    }
  });

  it('an engine on such a runtime loads luxon itself before its first hours check', async () => {
    const core = await freshCore();
    const original = process.getBuiltinModule;
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
    try {
      const engine = core.createEngine(hoursFlow(core), { secret: 'lazy-secret-0123456789', now: () => mondayClosed });
      expect(spoken(await engine.start(call))).toEqual(['Welcome.', 'We are closed.']);
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', { value: original, configurable: true, writable: true });
    }
  });
});
