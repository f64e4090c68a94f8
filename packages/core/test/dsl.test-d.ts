import { describe, expectTypeOf, it } from 'vitest';
import { defineFlow, gather, goto, hours, say, transfer, type Flow } from '../src/index.js';

describe('the DSL checks node references at compile time', () => {
  it('infers node ids from nodes', () => {
    const flow = defineFlow({
      name: 'typed',
      start: 'menu',
      nodes: { menu: [gather({ prompt: 'Press 1', routes: { '1': 'sales' } })], sales: [say('Hi'), goto('menu')] },
    });
    expectTypeOf(flow).toEqualTypeOf<Flow<'menu' | 'sales', never>>();
  });

  it('rejects misspelled references', () => {
    defineFlow({
      name: 'typo',
      start: 'menu',
      nodes: {
        // @ts-expect-error 'salse' is not a node
        menu: [gather({ prompt: 'Press 1', routes: { '1': 'salse' } })],
        sales: [say('Hi')],
      },
    });
    defineFlow({
      name: 'typo',
      // @ts-expect-error 'men' is not a node
      start: 'men',
      nodes: { menu: [say('Hi')] },
    });
    defineFlow({
      name: 'typo',
      start: 'menu',
      // @ts-expect-error onBusy points at a missing node
      nodes: { menu: [transfer('+14155550100', { onBusy: 'voicemial' })], voicemail: [say('Hi')] },
    });
  });

  it('checks schedule names too', () => {
    defineFlow({
      name: 'hours',
      start: 'a',
      schedules: { office: { timezone: 'UTC', weekly: { daily: 'all-day' } } },
      // @ts-expect-error 'ofice' is not a schedule
      nodes: { a: [hours('ofice', { open: 'a', closed: 'a' })] },
    });
  });
});
