import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine, type Flow, type Outcome, type Turn } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import { validateNcco } from '@callflow/testing';
import { renderNcco } from '@callflow/vonage';
import { stringifyNcco } from '../src/render-ncco.js';
import { createInboundFlow } from '../../../examples/vonage-inbound/src/inbound-flow.js';

const here = dirname(fileURLToPath(import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const eventUrl = 'https://ivr.example.com/vonage';
const call = { callId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', from: '447700900001', to: '447700900000', provider: 'vonage' };
// A fixed clock: tokens carry their issue time, so the golden URLs are stable. Tuesday 11:00 London.
const now = () => Date.parse('2026-03-10T11:00:00Z');

function golden(flow: string, name: string, turn: Turn, context: { queuePosition?: number } = {}) {
  const { output, warnings } = renderNcco(turn, { eventUrl, ...context });
  expect(validateNcco(JSON.parse(JSON.stringify(output)))).toEqual([]);
  const file = join(here, 'golden', flow, `${name}.json`);
  const text = `${JSON.stringify(output, null, 2)}\n`;
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
  expect(stringifyNcco(output)).toBe(JSON.stringify(output));
  return warnings;
}

async function turns(flow: Flow) {
  const engine = createEngine(flow, { secret: 'golden-secret-0123456789', now });
  const start = await engine.start(call);
  const after = async (turn: Turn, outcome: Outcome) => engine.resume(turn.token!, outcome, call);
  return { engine, start, after };
}

describe('golden NCCO: phone tree', () => {
  it('renders every turn of the shared phone tree', async () => {
    const { start, after } = await turns(phoneTree);
    golden('phone-tree', 'answer', start);
    const sales = await after(start, { type: 'digits', digits: '1' });
    golden('phone-tree', 'sales-voicemail', sales);
    golden(
      'phone-tree',
      'voicemail-saved',
      await after(sales, { type: 'recording', url: 'https://api.nexmo.com/v1/files/abc', durationSeconds: 12 }),
    );
    const warnings = golden('phone-tree', 'support-queue', await after(start, { type: 'digits', digits: '2' }), { queuePosition: 1 });
    expect(warnings.join('\n')).toMatch(/enqueue 'support' is emulated on Vonage/);
    golden('phone-tree', 'hours', await after(start, { type: 'digits', digits: '3' }));
    const reception = await after(start, { type: 'digits', digits: '0' });
    golden('phone-tree', 'reception-transfer', reception);
    golden('phone-tree', 'reception-busy', await after(reception, { type: 'dial', status: 'busy' }));
    golden('phone-tree', 'reception-completed', await after(reception, { type: 'dial', status: 'completed' }));
    golden('phone-tree', 'invalid-input', await after(start, { type: 'digits', digits: '7' }));
    golden('phone-tree', 'no-input', await after(start, { type: 'no-input' }));
  });
});

describe('golden NCCO: seed 004 inbound', () => {
  const options = { agentNumber: '+447700900123', holdMusicUrl: 'https://audio.example.com/hold.mp3' };

  it('renders the out-of-hours message as a single talk (the NCCO ends, so does the call)', async () => {
    const engine = createEngine(createInboundFlow({ ...options, isAgentFree: () => true }), {
      secret: 'golden-secret-0123456789',
      now: () => Date.parse('2026-03-14T11:00:00Z'),
    });
    golden('inbound', 'closed', await engine.start(call));
  });

  it('renders the forward, the hold, and the connect after the agent frees up', async () => {
    const free = await turns(createInboundFlow({ ...options, isAgentFree: () => true }));
    golden('inbound', 'forward', free.start);
    golden('inbound', 'forward-failed-hold', await free.after(free.start, { type: 'dial', status: 'no-answer' }), { queuePosition: 1 });
    const busy = await turns(createInboundFlow({ ...options, isAgentFree: () => false }));
    golden('inbound', 'hold', busy.start, { queuePosition: 1 });
    golden('inbound', 'connect-agent', await busy.engine.goTo('connect_agent', call));
  });
});
