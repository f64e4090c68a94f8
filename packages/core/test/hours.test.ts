import { describe, expect, it } from 'vitest';
import { checkHours, isOpen, nextChange, type Schedule } from '../src/index.js';

const z = (iso: string) => new Date(iso);
const ny = (weekly: Schedule['weekly'], extra: Partial<Schedule> = {}): Schedule => ({ timezone: 'America/New_York', weekly, ...extra });

describe('business hours: weekly ranges', () => {
  const office = ny({ weekdays: ['09:00-17:00'] });

  it('is open inside the range and closed at its end (half-open)', () => {
    expect(isOpen(office, z('2026-11-23T14:00:00Z'))).toBe(true); // Mon 09:00 EST
    expect(isOpen(office, z('2026-11-23T13:59:59Z'))).toBe(false);
    expect(isOpen(office, z('2026-11-23T21:59:59Z'))).toBe(true);
    expect(isOpen(office, z('2026-11-23T22:00:00Z'))).toBe(false); // 17:00
    expect(isOpen(office, z('2026-11-22T15:00:00Z'))).toBe(false); // Sunday
    expect(isOpen(office, Date.parse('2026-11-23T15:00:00Z'))).toBe(true);
  });

  it('finds the next change, across the weekend', () => {
    expect(nextChange(office, z('2026-11-23T15:00:00Z'))).toEqual(z('2026-11-23T22:00:00Z'));
    expect(nextChange(office, z('2026-11-27T23:00:00Z'))).toEqual(z('2026-11-30T14:00:00Z')); // Fri evening → Mon 09:00
  });

  it('supports several ranges a day', () => {
    const split = ny({ mon: ['09:00-12:00', '13:00-17:00'] });
    expect(isOpen(split, z('2026-11-23T16:59:00Z'))).toBe(true); // 11:59
    expect(isOpen(split, z('2026-11-23T17:30:00Z'))).toBe(false); // 12:30
    expect(nextChange(split, z('2026-11-23T17:30:00Z'))).toEqual(z('2026-11-23T18:00:00Z'));
    expect(isOpen(split, z('2026-11-23T18:00:00Z'))).toBe(true);
  });

  it('runs a range past midnight into the next day', () => {
    const bar = ny({ fri: ['22:00-02:00'] });
    expect(isOpen(bar, z('2026-11-28T02:59:00Z'))).toBe(false); // Fri 21:59
    expect(isOpen(bar, z('2026-11-28T03:00:00Z'))).toBe(true); // Fri 22:00
    expect(isOpen(bar, z('2026-11-28T06:59:00Z'))).toBe(true); // Sat 01:59
    expect(isOpen(bar, z('2026-11-28T07:00:00Z'))).toBe(false); // Sat 02:00
    expect(nextChange(bar, z('2026-11-28T04:00:00Z'))).toEqual(z('2026-11-28T07:00:00Z'));
  });

  it('knows all-day and closed shorthands, and merges touching days into one stretch', () => {
    const weekend = ny({ weekend: 'all-day', weekdays: 'closed' });
    expect(isOpen(weekend, z('2026-11-28T05:00:00Z'))).toBe(true);
    expect(isOpen(weekend, z('2026-11-27T05:00:00Z'))).toBe(false);
    // Saturday 00:00 to Monday 00:00 is one open stretch.
    expect(nextChange(weekend, z('2026-11-28T12:00:00Z'))).toEqual(z('2026-11-30T05:00:00Z'));
    const never = ny({ daily: 'closed' });
    expect(nextChange(never, z('2026-11-28T12:00:00Z'))).toBeNull();
    const always = ny({ daily: 'all-day' });
    expect(checkHours(always, z('2026-11-28T12:00:00Z'))).toMatchObject({ open: true, nextChange: null });
  });

  it('lets a named day override weekdays and daily', () => {
    const hours = ny({ daily: ['10:00-11:00'], weekdays: ['09:00-17:00'], fri: ['09:00-12:00'] });
    expect(isOpen(hours, z('2026-11-27T18:00:00Z'))).toBe(false); // Fri 13:00
    expect(isOpen(hours, z('2026-11-26T18:00:00Z'))).toBe(true); // Thu 13:00
    expect(isOpen(hours, z('2026-11-28T15:30:00Z'))).toBe(true); // Sat 10:30 via daily
  });
});

describe('business hours: holidays and special days', () => {
  const office = ny(
    { weekdays: ['09:00-17:00'] },
    {
      closures: [
        { date: '2026-12-25', name: 'Christmas Day' },
        { from: '2026-12-28', to: '2026-12-31', name: 'Year-end shutdown' },
      ],
      special: [
        { date: '2026-12-24', hours: ['09:00-12:00'], name: 'Christmas Eve' },
        { date: '2026-12-30', hours: ['10:00-14:00'], name: 'Inventory day' },
      ],
    },
  );

  it('closes on a dated closure and says why', () => {
    expect(checkHours(office, z('2026-12-25T15:00:00Z'))).toMatchObject({ open: false, source: 'holiday', name: 'Christmas Day' });
    expect(checkHours(office, z('2026-12-29T15:00:00Z'))).toMatchObject({ open: false, source: 'holiday', name: 'Year-end shutdown' });
  });

  it('uses special hours, which win over closures', () => {
    expect(checkHours(office, z('2026-12-24T16:00:00Z'))).toMatchObject({ open: true, source: 'special', name: 'Christmas Eve' });
    expect(isOpen(office, z('2026-12-24T18:00:00Z'))).toBe(false); // 13:00
    expect(checkHours(office, z('2026-12-30T16:00:00Z'))).toMatchObject({ open: true, source: 'special' });
  });

  it('skips holidays when looking for the next opening', () => {
    // Christmas Eve 12:00 → closed through Christmas and the weekend → Mon 28th is shut too → special on the 30th.
    expect(nextChange(office, z('2026-12-24T17:00:00Z'))).toEqual(z('2026-12-30T15:00:00Z'));
  });
});

describe('business hours across DST changes', () => {
  it('New York spring forward: a range over the skipped hour is an hour shorter', () => {
    const sunday = ny({ sun: ['01:00-04:00'] }); // 2026-03-08, 02:00 EST → 03:00 EDT at 07:00Z
    expect(isOpen(sunday, z('2026-03-08T05:59:00Z'))).toBe(false);
    expect(isOpen(sunday, z('2026-03-08T06:00:00Z'))).toBe(true); // 01:00 EST
    expect(isOpen(sunday, z('2026-03-08T07:30:00Z'))).toBe(true); // 03:30 EDT
    expect(isOpen(sunday, z('2026-03-08T08:00:00Z'))).toBe(false); // 04:00 EDT
    expect(nextChange(sunday, z('2026-03-08T06:30:00Z'))).toEqual(z('2026-03-08T08:00:00Z'));
  });

  it('New York spring forward: a range starting in the gap opens when the clock jumps', () => {
    const sunday = ny({ sun: ['02:30-05:00'] });
    expect(isOpen(sunday, z('2026-03-08T06:59:59Z'))).toBe(false); // 01:59:59 EST
    expect(isOpen(sunday, z('2026-03-08T07:00:00Z'))).toBe(true); // 03:00 EDT
    expect(nextChange(sunday, z('2026-03-08T06:00:00Z'))).toEqual(z('2026-03-08T07:00:00Z'));
  });

  it('New York fall back: a time that repeats means its first occurrence, and a range never reopens in the repeat', () => {
    const early = ny({ sun: ['00:00-01:30'] }); // 2026-11-01, 02:00 EDT → 01:00 EST at 06:00Z
    expect(isOpen(early, z('2026-11-01T05:29:00Z'))).toBe(true); // 01:29 EDT
    expect(isOpen(early, z('2026-11-01T05:30:00Z'))).toBe(false); // 01:30 EDT
    expect(isOpen(early, z('2026-11-01T06:15:00Z'))).toBe(false); // 01:15 EST, the repeat
    const late = ny({ sun: ['01:30-03:00'] });
    expect(isOpen(late, z('2026-11-01T05:30:00Z'))).toBe(true); // first 01:30
    expect(isOpen(late, z('2026-11-01T06:45:00Z'))).toBe(true); // second 01:45
    expect(nextChange(late, z('2026-11-01T05:30:00Z'))).toEqual(z('2026-11-01T08:00:00Z')); // 03:00 EST: 2.5 h
  });

  it('Sydney autumn (DST ends in April): the repeated hour makes the range an hour longer', () => {
    const sydney: Schedule = { timezone: 'Australia/Sydney', weekly: { sun: ['01:00-04:00'] } }; // 2026-04-05 03:00 AEDT → 02:00 AEST at 16:00Z
    expect(isOpen(sydney, z('2026-04-04T13:59:00Z'))).toBe(false);
    expect(isOpen(sydney, z('2026-04-04T14:00:00Z'))).toBe(true); // 01:00 AEDT
    expect(isOpen(sydney, z('2026-04-04T17:30:00Z'))).toBe(true); // 03:30 AEST
    expect(isOpen(sydney, z('2026-04-04T18:00:00Z'))).toBe(false); // 04:00 AEST
    expect(nextChange(sydney, z('2026-04-04T14:00:00Z'))).toEqual(z('2026-04-04T18:00:00Z'));
  });

  it('Sydney spring (DST starts in October): a range entirely inside the skipped hour never opens', () => {
    const sydney: Schedule = { timezone: 'Australia/Sydney', weekly: { sun: ['02:15-02:45'], mon: ['09:00-10:00'] } }; // 2026-10-04 02:00 AEST → 03:00 AEDT at 16:00Z Oct 3
    expect(isOpen(sydney, z('2026-10-03T16:00:00Z'))).toBe(false);
    expect(isOpen(sydney, z('2026-10-03T15:59:00Z'))).toBe(false);
    expect(nextChange(sydney, z('2026-10-03T15:00:00Z'))).toEqual(z('2026-10-04T22:00:00Z')); // Mon 09:00 AEDT
  });

  it('a range over midnight into a spring-forward night closes at the right instant', () => {
    const lateShift = ny({ sat: ['22:00-03:00'] }); // Sat 2026-03-07 22:00 EST → Sun 03:00 EDT
    expect(isOpen(lateShift, z('2026-03-08T03:00:00Z'))).toBe(true); // 22:00 EST
    expect(isOpen(lateShift, z('2026-03-08T06:59:00Z'))).toBe(true); // 01:59 EST
    expect(isOpen(lateShift, z('2026-03-08T07:00:00Z'))).toBe(false); // 03:00 EDT: 4 real hours
    expect(nextChange(lateShift, z('2026-03-08T04:00:00Z'))).toEqual(z('2026-03-08T07:00:00Z'));
  });

  it('a range over midnight into a fall-back night lasts an hour longer', () => {
    const lateShift = ny({ sat: ['22:00-03:00'] }); // Sat 2026-10-31 22:00 EDT → Sun 03:00 EST
    expect(nextChange(lateShift, z('2026-11-01T02:00:00Z'))).toEqual(z('2026-11-01T08:00:00Z')); // 6 real hours
    expect(isOpen(lateShift, z('2026-11-01T07:59:00Z'))).toBe(true);
  });
});
