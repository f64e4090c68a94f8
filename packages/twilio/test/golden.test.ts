import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import type { Step } from '@callflow/core';
import { canonicalXml, parseXml, validateTwiml } from '@callflow/testing';
import { renderEnqueueWait, renderTwiml, twilioAdapter, type TwimlContext } from '../src/index.js';
import { buildWithSdk } from './sdk-oracle.js';
import { actionUrl, kitchenSink, turnCases } from './turns.js';

const goldenDirectory = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.UPDATE_GOLDEN === '1';
const context: TwimlContext = { actionUrl };

function golden(flow: string, name: string, actual: string): string {
  const file = join(goldenDirectory, flow, `${name}.xml`);
  if (update || !existsSync(file)) {
    if (!update) throw new Error(`missing golden file ${file}; run with UPDATE_GOLDEN=1 once and review it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${actual}\n`);
  }
  return readFileSync(file, 'utf8').trimEnd();
}

const canonical = (xml: string) => canonicalXml(parseXml(xml));

describe('TwiML golden files', () => {
  it.each(turnCases.map((turnCase) => [`${turnCase.flow}/${turnCase.name}`, turnCase] as const))('%s', async (_, turnCase) => {
    const xml = renderTwiml(await turnCase.turn(), context);
    expect(xml).toBe(golden(turnCase.flow, turnCase.name, xml));
  });

  it('the enqueue wait documents', () => {
    const queue = (kitchenSink.nodes.queue as Step[])[0]!;
    if (queue.type !== 'enqueue') throw new Error('fixture changed');
    const waiting = renderEnqueueWait(queue, { position: 3, queueTimeSeconds: 40 });
    const next = renderEnqueueWait(queue, { position: 1, queueTimeSeconds: 40 });
    const leave = renderEnqueueWait(queue, { position: 1, queueTimeSeconds: 300 });
    expect(waiting).toBe(golden('kitchen-sink', 'queue-wait', waiting));
    expect(next).toContain('<Say>You are next in line.</Say>');
    expect(leave).toBe(golden('kitchen-sink', 'queue-wait-leave', leave));
  });
});

describe('the twilio SDK is the oracle', () => {
  it.each(turnCases.map((turnCase) => [`${turnCase.flow}/${turnCase.name}`, turnCase] as const))('%s equals VoiceResponse up to attribute order', async (_, turnCase) => {
    const turn = await turnCase.turn();
    const ours = renderTwiml(turn, context);
    const sdk = buildWithSdk(turn, context);
    expect(canonical(ours)).toBe(canonical(sdk));
  });

  it('the wait documents equal VoiceResponse', () => {
    const queue = (kitchenSink.nodes.queue as Step[])[0]!;
    if (queue.type !== 'enqueue') throw new Error('fixture changed');
    const response = new twilio.twiml.VoiceResponse();
    response.say('You are number 3 in line.');
    response.play('https://cdn.example.com/hold.mp3');
    expect(canonical(renderEnqueueWait(queue, { position: 3, queueTimeSeconds: 0 }))).toBe(canonical(response.toString()));
    const leave = new twilio.twiml.VoiceResponse();
    leave.leave();
    expect(canonical(renderEnqueueWait(queue, { position: 3, queueTimeSeconds: 301 }))).toBe(canonical(leave.toString()));
  });

  it('every golden document is accepted by the emulator validator', async () => {
    for (const turnCase of turnCases) {
      const xml = renderTwiml(await turnCase.turn(), context);
      expect(validateTwiml(parseXml(xml)), `${turnCase.flow}/${turnCase.name}`).toEqual([]);
    }
  });

  it('the adapter reports approximations as warnings', async () => {
    const start = await turnCases.find((turnCase) => turnCase.flow === 'kitchen-sink' && turnCase.name === 'queue')!.turn();
    expect(twilioAdapter.render(start, context).warnings).toEqual([]);
    const escaped = { ...start, wait: { ...start.wait!, step: { type: 'enqueue' as const, queue: 'q', escape: { digit: '*', to: 'start' } } } };
    expect(twilioAdapter.render(escaped, context).warnings).toEqual([`enqueue 'q': the escape digit is not supported on Twilio and is ignored`]);
  });
});
