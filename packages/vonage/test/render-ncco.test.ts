import { describe, expect, it } from 'vitest';
import { createEngine, defineFlow, gather, pause, record, say, transfer, type Flow } from '@callflow/core';
import { validateNcco } from '@callflow/testing';
import {
  callbackUrl,
  parseVonageConnectEvent,
  parseVonageInput,
  parseVonageRecordEvent,
  renderNcco,
  vonageCapabilities,
  type Ncco,
} from '@callflow/vonage';
import { stringifyNcco } from '../src/render-ncco.js';

const call = { callId: 'uuid-1', from: '447700900001', to: '447700900000' };
async function firstTurn(flow: Flow) {
  return createEngine(flow, { secret: 'render-secret-0123456789' }).start(call);
}
const one = (node: Flow['nodes'][string]) => defineFlow({ name: 't', start: 'main', nodes: { main: node as never } });

describe('renderNcco limits', () => {
  it('refuses text over 1500 characters, more than 20 digits and out-of-range timings, naming the node', async () => {
    await expect(async () => renderNcco(await firstTurn(one([say('a'.repeat(1501))])), { eventUrl: 'https://x' })).rejects.toThrow(
      /\[callflow:vonage\] main: say text is 1501 characters/,
    );
    await expect(async () =>
      renderNcco(await firstTurn(one([gather({ prompt: 'x', maxDigits: 21 })])), { eventUrl: 'https://x' }),
    ).rejects.toThrow(/up to 21 digits; Vonage input takes 1 to 20/);
    await expect(async () =>
      renderNcco(await firstTurn(one([gather({ prompt: 'x', timeoutSeconds: 15 })])), { eventUrl: 'https://x' }),
    ).rejects.toThrow(/gather.timeoutSeconds is 15; Vonage accepts 0 to 10/);
    await expect(async () => renderNcco(await firstTurn(one([record({ silenceSeconds: 2 })])), { eventUrl: 'https://x' })).rejects.toThrow(
      /record.silenceSeconds is 2; Vonage accepts 3 to 10/,
    );
    await expect(async () =>
      renderNcco(await firstTurn(one([transfer('+447700900123', { ringSeconds: 200 })])), { eventUrl: 'https://x' }),
    ).rejects.toThrow(/transfer.ringSeconds is 200/);
  });

  it('renders speech input, a SIP transfer and a prompt pause as valid NCCO, with warnings for what degrades', async () => {
    const flow = one([
      gather({
        prompt: [say('Say or press'), pause(1)],
        input: 'both',
        finishOnKey: '',
        speech: { hints: ['sales'], endSilenceSeconds: 1.5 },
        routes: { sales: 'main' },
      }),
    ]);
    const { output, warnings } = renderNcco(await firstTurn(flow), { eventUrl: 'https://ivr.example.com/v' });
    expect(validateNcco(JSON.parse(JSON.stringify(output)))).toEqual([]);
    expect(output[1]).toEqual({ action: 'talk', text: '<speak><break time="1000ms"/></speak>', bargeIn: true });
    expect(output[2]).toMatchObject({
      type: ['dtmf', 'speech'],
      speech: { context: ['sales'], endOnSilence: 1.5, startTimeout: 5 },
      dtmf: { submitOnHash: false },
    });
    expect(warnings.join('\n')).toMatch(/share one input action/);
    // provider: only '#' ends entry early (dtmf.submitOnHash); another finishOnKey is refused, not dropped with a warning.
    await expect(async () =>
      renderNcco(await firstTurn(one([gather({ prompt: [say('Press')], finishOnKey: '*' })])), { eventUrl: 'https://x' }),
    ).rejects.toThrow(/gather.finishOnKey '\*': Vonage ends digit entry early only on '#'/);
    const sip = renderNcco(await firstTurn(one([transfer({ sip: 'sip:agent@pbx.example.com', username: 'u', password: 'p' })])), {
      eventUrl: 'https://x.example',
    });
    expect(sip.output[0]).toMatchObject({
      action: 'connect',
      endpoint: [{ type: 'sip', uri: 'sip:agent@pbx.example.com' }],
      eventType: 'synchronous',
    });
    expect(sip.warnings.join()).toMatch(/no digest credentials/);
  });

  it('declares the queue and the hangup as emulated', () => {
    expect(vonageCapabilities.enqueue.support).toBe('emulated');
    expect(vonageCapabilities.hangup.support).toBe('emulated');
  });
});

describe('stringifyNcco', () => {
  const same = (ncco: unknown) => expect(stringifyNcco(ncco as Ncco)).toBe(JSON.stringify(ncco));

  it('escapes talk text exactly as JSON.stringify does: quotes, backslashes, control characters, unicode, lone surrogates', async () => {
    const texts = [
      'He said "press 1" \\ then #',
      'line\nbreak\ttab\r\b\f\u0000\u001f\u007f',
      'café 日本語 😀 \u2028\u2029',
      'lone \ud800 high, lone \udc00 low, pair \ud83d\ude00',
      '<speak>a &amp; b</speak>',
    ];
    for (const text of texts) {
      const { output } = renderNcco(await firstTurn(one([say(text)])), { eventUrl: 'https://ivr.example.com/v"x' });
      same(output);
      expect(JSON.parse(stringifyNcco(output))).toEqual(JSON.parse(JSON.stringify(output)));
    }
  });

  it('leaves out what JSON.stringify leaves out and writes numbers and odd keys the same way', () => {
    same([{ action: 'talk', text: 'x', skipped: undefined, method: () => 1, symbol: Symbol('s'), nothing: null }]);
    same([{ action: 'wait', timeout: 0.1 + 0.2, negativeZero: -0, big: 1e21, small: -1.5e-7, notFinite: [NaN, Infinity] }]);
    same([{ action: 'notify', payload: { '2': 'b', '1': 'a', 'we"ird\n': 'key', '': 'empty' }, eventUrl: [] }]);
    same([{ action: 'input', type: [undefined, () => 1, 'dtmf'] }]);
    same([]);
  });

  it('hands anything that is not plain data to JSON.stringify', () => {
    same([{ action: 'talk', text: 'x', when: new Date(0) }]);
    same([{ action: 'talk', toJSON: () => ({ action: 'talk', text: 'from toJSON' }) }]);
    same([{ action: 'talk', text: new String('boxed'), loop: new Number(2) }]);
    same([
      new (class Talk {
        action = 'talk';
        text = 'instance';
      })(),
    ]);
    same([Object.assign(Object.create(null), { action: 'talk', text: 'no prototype' })]);
    same([{ action: 'talk', nested: JSON.parse(`${'['.repeat(40)}"deep"${']'.repeat(40)}`) }]);
    const cyclic: Record<string, unknown> = { action: 'talk' };
    cyclic.self = cyclic;
    expect(() => stringifyNcco([cyclic] as never)).toThrow(/circular/);
    expect(() => stringifyNcco([{ action: 'wait', timeout: 1n }] as never)).toThrow(TypeError);
  });
});

describe('callbackUrl', () => {
  it('escapes the call id only where encodeURIComponent would', () => {
    expect(callbackUrl('https://x/v/', 'input', 'tok', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee')).toBe(
      'https://x/v/input?t=tok&call=aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    );
    expect(callbackUrl('https://x/v', 'record', 'tok', "a_b.c!~*'()", { async: '1' })).toBe(
      "https://x/v/record?t=tok&call=a_b.c!~*'()&async=1",
    );
    expect(callbackUrl('https://x/v', 'input', 'tok', 'a b/c?d&é')).toBe(`https://x/v/input?t=tok&call=${encodeURIComponent('a b/c?d&é')}`);
  });
});

describe('Vonage webhook parsers', () => {
  it('reads digits (object and legacy string), speech and timeouts', () => {
    expect(parseVonageInput({ dtmf: { digits: '12', timed_out: false } })).toEqual({ type: 'digits', digits: '12' });
    expect(parseVonageInput({ dtmf: '4' })).toEqual({ type: 'digits', digits: '4' });
    expect(parseVonageInput({ speech: { results: [{ text: 'sales please', confidence: '0.87' }] } })).toEqual({
      type: 'speech',
      text: 'sales please',
      confidence: 0.87,
    });
    expect(parseVonageInput({ dtmf: { digits: '', timed_out: true } })).toEqual({ type: 'no-input' });
    expect(parseVonageInput({ speech: { results: [], timeout_reason: 'start_timeout' } })).toEqual({ type: 'no-input' });
    expect(() => parseVonageInput('nope')).toThrow(/\[callflow:vonage\] input webhook is not a JSON object/);
  });

  it('maps connect statuses to dial outcomes and treats progress as progress', () => {
    expect(parseVonageConnectEvent({ status: 'busy' })).toEqual({
      kind: 'outcome',
      outcome: { type: 'dial', status: 'busy', raw: 'busy' },
    });
    expect(parseVonageConnectEvent({ status: 'unanswered', detail: 'timeout' })).toMatchObject({
      outcome: { status: 'no-answer', raw: 'unanswered:timeout' },
    });
    expect(parseVonageConnectEvent({ status: 'timeout' })).toMatchObject({ outcome: { status: 'no-answer' } });
    expect(parseVonageConnectEvent({ status: 'rejected', detail: 'declined' })).toMatchObject({ outcome: { status: 'failed' } });
    expect(parseVonageConnectEvent({ status: 'cancelled' })).toMatchObject({ outcome: { status: 'canceled' } });
    expect(parseVonageConnectEvent({ status: 'answered' })).toEqual({ kind: 'progress', status: 'answered' });
    expect(() => parseVonageConnectEvent({ status: 'exploded' })).toThrow(/unknown status/);
  });

  it('reads the recording URL and duration from a record event', () => {
    expect(
      parseVonageRecordEvent({
        recording_url: 'https://api.nexmo.com/v1/files/x',
        start_time: '2026-03-10T11:00:00Z',
        end_time: '2026-03-10T11:00:12Z',
      }),
    ).toEqual({
      type: 'recording',
      url: 'https://api.nexmo.com/v1/files/x',
      durationSeconds: 12,
    });
  });
});

describe('validateNcco (the emulator) rejects what Vonage rejects', () => {
  it('reports unknown actions, bad fields, an input without eventUrl and a barge-in prompt not followed by input', () => {
    expect(validateNcco([{ action: 'hangup' }])).toEqual(["[0].action 'hangup' is not an NCCO action the emulator knows"]);
    expect(validateNcco([{ action: 'talk', text: 'x', voice: 'Amy' }])).toEqual(["[0] talk has unknown field 'voice'"]);
    expect(validateNcco([{ action: 'input', type: ['dtmf'] }])).toEqual(["[0] input needs 'eventUrl'"]);
    expect(validateNcco([{ action: 'input', type: ['dtmf'], dtmf: { maxDigits: 25 }, eventUrl: ['https://x'] }])).toEqual([
      '[0] input.dtmf .maxDigits must be between 1 and 20',
    ]);
    expect(
      validateNcco([
        { action: 'talk', text: 'x', bargeIn: true },
        { action: 'wait', timeout: 1 },
      ]),
    ).toEqual(['[1] wait follows a bargeIn prompt; Vonage requires the next action to be input']);
    expect(validateNcco([{ action: 'connect', endpoint: [{ type: 'phone', number: '+447700900001' }] }])).toEqual([
      '[0] connect.endpoint .number must be E.164 digits without +',
    ]);
  });
});
