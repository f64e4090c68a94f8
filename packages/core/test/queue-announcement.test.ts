import { describe, expect, it } from 'vitest';
import {
  assertProviderSupport,
  defaultQueueAnnouncement,
  defineFlow,
  enqueue,
  formatQueueAnnouncement,
  queueAnnouncementDue,
  queueAnnouncementOf,
  say,
  validateFlow,
  type Capabilities,
} from '../src/index.js';

describe('queue announcements', () => {
  it('fills the place and the average wait, in whole minutes rounded up and at least one', () => {
    expect(
      formatQueueAnnouncement('You are number {position}; about {waitMinutes} min. {position}!', { position: 3, averageWaitSeconds: 121 }),
    ).toBe('You are number 3; about 3 min. 3!');
    expect(formatQueueAnnouncement('{waitMinutes}', { position: 1 })).toBe('1');
    expect(formatQueueAnnouncement('{waitMinutes}', { position: 1, averageWaitSeconds: 60 })).toBe('1');
  });

  it('is due on entry, then only after the interval (and never again without one)', () => {
    expect(queueAnnouncementDue(0, undefined, undefined)).toBe(true);
    expect(queueAnnouncementDue(90, 0, undefined)).toBe(false);
    expect(queueAnnouncementDue(59, 0, 60)).toBe(false);
    expect(queueAnnouncementDue(60, 0, 60)).toBe(true);
    expect(queueAnnouncementDue(100, 62, 60)).toBe(false);
  });

  it('reads announce, falls back to the older announcePosition, and lets announce win', () => {
    expect(queueAnnouncementOf(enqueue('q'))).toBeUndefined();
    expect(queueAnnouncementOf(enqueue('q', { announce: false, announcePosition: true }))).toBeUndefined();
    expect(queueAnnouncementOf(enqueue('q', { announce: true }))).toEqual({ template: defaultQueueAnnouncement });
    expect(queueAnnouncementOf(enqueue('q', { announcePosition: { everySeconds: 30 } }))).toEqual({
      template: defaultQueueAnnouncement,
      everySeconds: 30,
    });
    expect(queueAnnouncementOf(enqueue('q', { announce: { template: 'Place {position}.' } }))).toEqual({ template: 'Place {position}.' });
  });

  it('refuses a template with an unknown placeholder, or none at all', () => {
    const problems = (announce: unknown) =>
      validateFlow({ version: 1, name: 't', start: 'main', nodes: { main: [{ type: 'enqueue', queue: 'q', announce }] } })
        .problems.filter((problem) => problem.severity === 'error')
        .map((problem) => `${problem.path}: ${problem.message}`);
    expect(problems({ template: 'You are {place}.' })).toEqual([
      'nodes.main[0].announce.template: must be 1-500 characters; the only placeholders are {position} and {waitMinutes}',
    ]);
    expect(problems({ template: '  ' })).toHaveLength(1);
    expect(problems({ everySeconds: 5 })).toEqual(['nodes.main[0].announce.everySeconds: 5 is out of range: must be at least 10']);
    expect(problems({ template: 'Number {position}, {waitMinutes} min.', everySeconds: 30 })).toEqual([]);
  });
});

describe('assertProviderSupport', () => {
  const capabilities = {
    enqueue: {
      support: 'native',
      unsupported: [{ option: 'escape', why: 'no keys', when: (step: { escape?: unknown }) => step.escape !== undefined }],
    },
    say: { support: 'native', unsupported: [{ option: 'loop', why: 'no loops', when: (step: { loop?: number }) => (step.loop ?? 1) > 1 }] },
  } as unknown as Capabilities;

  it('names every use of a refused option, by node and step, at once', () => {
    const flow = defineFlow({
      name: 'f',
      start: 'a',
      nodes: { a: [say('Hi.', { loop: 2 }), enqueue('q', { escape: { digit: '0', to: 'b' } })], b: [say('Bye.')] },
    });
    expect(() => assertProviderSupport(flow, 'example', capabilities)).toThrow(
      '[callflow:example] nodes.a[0] say: loop is not supported on example: no loops; nodes.a[1] enqueue: escape is not supported on example: no keys',
    );
    expect(() =>
      assertProviderSupport(defineFlow({ name: 'f', start: 'a', nodes: { a: [say('Hi.')] } }), 'example', capabilities),
    ).not.toThrow();
  });
});
