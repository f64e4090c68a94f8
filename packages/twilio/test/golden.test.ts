import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import type { Step } from '@callflow/core';
import { canonicalXml, parseXml, validateTwiml } from '@callflow/testing';
import { callbackUrl, renderEnqueueWait, renderTwiml, twilioAdapter, type TwimlContext } from '../src/index.js';
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
    const waitUrl = callbackUrl(actionUrl, 'wait-token', 'wait');
    const waiting = renderEnqueueWait(queue, { position: 3, queueTimeSeconds: 40 }, waitUrl);
    // Announced once (the default): the next run of the wait URL, which carries when it was said, plays only the music.
    const again = renderEnqueueWait(queue, { position: 1, queueTimeSeconds: 70, lastAnnouncedSeconds: 40 }, waitUrl);
    const leave = renderEnqueueWait(queue, { position: 1, queueTimeSeconds: 300 }, waitUrl);
    expect(waiting).toBe(golden('kitchen-sink', 'queue-wait', waiting));
    expect(again).not.toContain('<Say>');
    expect(again).toContain('a=40');
    expect(leave).toBe(golden('kitchen-sink', 'queue-wait-leave', leave));
  });
});

describe('the twilio SDK is the oracle', () => {
  it.each(turnCases.map((turnCase) => [`${turnCase.flow}/${turnCase.name}`, turnCase] as const))(
    '%s equals VoiceResponse up to attribute order',
    async (_, turnCase) => {
      const turn = await turnCase.turn();
      const ours = renderTwiml(turn, context);
      const sdk = buildWithSdk(turn, context);
      expect(canonical(ours)).toBe(canonical(sdk));
    },
  );

  it('the wait documents equal VoiceResponse', () => {
    const queue = (kitchenSink.nodes.queue as Step[])[0]!;
    if (queue.type !== 'enqueue') throw new Error('fixture changed');
    const waitUrl = callbackUrl(actionUrl, 'wait-token', 'wait');
    const response = new twilio.twiml.VoiceResponse();
    response.say('You are number 3 in line.');
    response.play('https://cdn.example.com/hold.mp3');
    response.redirect({ method: 'POST' }, `${waitUrl}&a=0`);
    expect(canonical(renderEnqueueWait(queue, { position: 3, queueTimeSeconds: 0 }, waitUrl))).toBe(canonical(response.toString()));
    const leave = new twilio.twiml.VoiceResponse();
    leave.leave();
    expect(canonical(renderEnqueueWait(queue, { position: 3, queueTimeSeconds: 301 }, waitUrl))).toBe(canonical(leave.toString()));
    const escaping = new twilio.twiml.VoiceResponse();
    const withEscape = { ...queue, escape: { digit: '0', to: 'voicemail' } };
    escaping.say('You are number 2 in line.');
    escaping
      .gather({ input: ['dtmf'], numDigits: 1, timeout: 1, action: `${waitUrl}&a=5`, method: 'POST' })
      .play('https://cdn.example.com/hold.mp3');
    escaping.redirect({ method: 'POST' }, `${waitUrl}&a=5`);
    expect(canonical(renderEnqueueWait(withEscape, { position: 2, queueTimeSeconds: 5 }, waitUrl))).toBe(canonical(escaping.toString()));
    const left = new twilio.twiml.VoiceResponse();
    left.leave();
    expect(canonical(renderEnqueueWait(withEscape, { position: 2, queueTimeSeconds: 9, digits: '0' }, waitUrl))).toBe(
      canonical(left.toString()),
    );
  });

  it('every golden document is accepted by the emulator validator', async () => {
    for (const turnCase of turnCases) {
      const xml = renderTwiml(await turnCase.turn(), context);
      expect(validateTwiml(parseXml(xml)), `${turnCase.flow}/${turnCase.name}`).toEqual([]);
    }
  });

  it('the adapter reports approximations as warnings, and an escape key is no longer one of them', async () => {
    const start = await turnCases.find((turnCase) => turnCase.flow === 'kitchen-sink' && turnCase.name === 'queue')!.turn();
    expect(twilioAdapter.render(start, context).warnings).toEqual([]);
    const escaped = {
      ...start,
      wait: { ...start.wait!, step: { type: 'enqueue' as const, queue: 'q', escape: { digit: '*', to: 'start' } } },
    };
    expect(twilioAdapter.render(escaped, context).warnings).toEqual([]);
    expect(twilioAdapter.render(escaped, context).output).toContain('waitUrl=');
    const fractional = { ...start, steps: [{ step: { type: 'pause' as const, seconds: 1.5 }, after: start.wait!.state }] };
    expect(twilioAdapter.render(fractional, context).warnings).toEqual(['pause of 1.5 s rounded to whole seconds']);
  });
});
