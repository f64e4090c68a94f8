import { describe, expect, it, vi } from 'vitest';
import twilio from 'twilio';
import { defineFlow, enqueue, hangup, say, type Effect } from '@callflow/core';
import { phoneTree } from '@callflow/example-flows';
import {
  connectAgentToQueue,
  createTwilioHandler,
  dequeueTwilioCaller,
  moveTwilioCall,
  signTwilioRequest,
  withTwilioBodyHash,
  type TwilioHandlerOptions,
  type TwilioLiveClient,
} from '../src/index.js';

const authToken = 'handler-auth-token-0123456789abcd';
const secret = 'handler-secret-0123456789abcdef';
const publicBaseUrl = 'https://ivr.example.com/voice';
const callParams = {
  CallSid: 'CA11111111111111111111111111111111',
  From: '+15551230000',
  To: '+15559870000',
  CallStatus: 'ringing',
  AccountSid: 'AC1',
  Direction: 'inbound',
};

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

function handlerFor(overrides: Partial<TwilioHandlerOptions> = {}) {
  const { lines, logger } = recordingLogger();
  const handler = createTwilioHandler({ flow: phoneTree, secret, authToken, publicBaseUrl, logger, ...overrides });
  return { handler, lines };
}

/** A request as it reaches the app behind a TLS-terminating proxy: http, internal host, port 3000. */
async function twilioPost(
  query: string,
  params: Record<string, string>,
  options: { signUrl?: string; token?: string } = {},
): Promise<Request> {
  const signedUrl = options.signUrl ?? `${publicBaseUrl}${query}`;
  const signature = await signTwilioRequest({ authToken: options.token ?? authToken, url: signedUrl, params });
  return new Request(`http://10.0.0.7:3000/voice${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
}

function actionQuery(xml: string): string {
  const match = /action="https:\/\/ivr\.example\.com\/voice(\?t=[^"&]+)"/.exec(xml);
  if (!match) throw new Error(`no action in ${xml}`);
  return match[1]!;
}

describe('createTwilioHandler', () => {
  it('answers the first webhook with the greeting and menu, checking the signature over the public URL behind a proxy', async () => {
    const { handler } = handlerFor();
    const response = await handler(await twilioPost('', callParams));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/xml');
    const xml = await response.text();
    expect(xml).toContain('<Say voice="woman" language="en-US">Hello, and welcome to ACME, Inc.</Say><Gather');
    expect(xml).toContain('action="https://ivr.example.com/voice?t=');
  });

  it('follows an action: Digits=2 puts the caller in the support queue', async () => {
    const { handler } = handlerFor();
    const first = await (await handler(await twilioPost('', callParams))).text();
    const query = actionQuery(first);
    const second = await (await handler(await twilioPost(query, { ...callParams, CallStatus: 'in-progress', Digits: '2' }))).text();
    expect(second).toMatch(/<Enqueue action="[^"]+" method="POST" waitUrl="[^"]+&amp;e=wait" waitUrlMethod="POST">support<\/Enqueue>/);
  });

  it('refuses a signature made over the request URL instead of the public URL, and logs what it signed', async () => {
    const { handler, lines } = handlerFor();
    const response = await handler(await twilioPost('', callParams, { signUrl: 'http://10.0.0.7:3000/voice' }));
    expect(response.status).toBe(403);
    const warnings = lines.filter((line) => line.message.includes('X-Twilio-Signature does not match'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('publicBaseUrl (https://ivr.example.com/voice)');
    expect(warnings[0]!.fields).toMatchObject({ reason: 'signature-mismatch', path: '/voice' });
    // The field names are not listed: an unsigned form of 800,000 fields once made a 7.9 MB log line.
    expect(JSON.stringify(warnings[0])).not.toContain('AccountSid');
  });

  it('refuses a request without a signature, or signed with another token', async () => {
    const { handler } = handlerFor();
    const unsigned = new Request('http://10.0.0.7:3000/voice', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(callParams).toString(),
    });
    expect((await handler(unsigned)).status).toBe(403);
    expect((await handler(await twilioPost('', callParams, { token: 'another-token-0123456789abcdef00' }))).status).toBe(403);
  });

  it('checks the signature over fields sent out of name order, repeated, or escaped, against the SDK (twilio.validateRequest)', async () => {
    const { handler } = handlerFor();
    const forms = [
      // In name order, as Twilio sends them; an escaped value.
      [
        ['AccountSid', 'AC1'],
        ['CallSid', callParams.CallSid],
        ['CallStatus', 'ringing'],
        ['From', '+15551230000'],
        ['SpeechResult', 'Ça va? 1+1=2 & "ok"'],
        ['To', '+15559870000'],
      ],
      // Out of order.
      [
        ['To', '+15559870000'],
        ['From', '+15551230000'],
        ['CallSid', callParams.CallSid],
        ['AccountSid', 'AC1'],
        ['CallStatus', 'ringing'],
      ],
      // A repeated name (the SDK signs every value, sorted), and a field without '='.
      [
        ['CallSid', callParams.CallSid],
        ['From', '+15551230000'],
        ['To', '+15559870000'],
        ['Tag', 'b'],
        ['Tag', 'a'],
        ['Empty', ''],
      ],
    ];
    for (const form of forms) {
      const body = new URLSearchParams(form).toString().replace('Empty=', 'Empty');
      const grouped: Record<string, string | string[]> = {};
      for (const [name, value] of form) {
        const existing = grouped[name!];
        grouped[name!] = existing === undefined ? value! : [...(Array.isArray(existing) ? existing : [existing]), value!];
      }
      const signature = twilio.getExpectedTwilioSignature(authToken, publicBaseUrl, grouped as Record<string, string>);
      expect(twilio.validateRequest(authToken, signature, publicBaseUrl, grouped as Record<string, string>)).toBe(true);
      const post = (headerSignature: string) =>
        handler(
          new Request('http://10.0.0.7:3000/voice', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': headerSignature },
            body,
          }),
        );
      expect((await post(signature)).status, body).toBe(200);
      const forged = `${signature.slice(0, 4)}${signature[4] === 'A' ? 'B' : 'A'}${signature.slice(5)}`;
      expect((await post(forged)).status, body).toBe(403);
    }
  });

  it('fails closed when the auth token is missing: the handler is not created', () => {
    expect(() => handlerFor({ authToken: undefined })).toThrow(/authToken is required/);
    expect(() => handlerFor({ authToken: '' })).toThrow(/authToken is required/);
  });

  it('skips the check only when told to', async () => {
    const { handler } = handlerFor({ verifySignatures: false, authToken: undefined });
    const unsigned = new Request('http://localhost:3000/voice', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(callParams).toString(),
    });
    expect((await handler(unsigned)).status).toBe(200);
  });

  it('keeps the port when the public URL has one', async () => {
    const { handler } = handlerFor({ publicBaseUrl: 'https://ivr.example.com:8443/voice' });
    const signature = await signTwilioRequest({ authToken, url: 'https://ivr.example.com:8443/voice', params: callParams });
    const request = new Request('http://127.0.0.1:8443/voice', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(callParams).toString(),
    });
    expect((await handler(request)).status).toBe(200);
  });

  it('accepts a GET voice webhook (fields in the query, signed as part of the URL)', async () => {
    const { handler } = handlerFor();
    const query = `?${new URLSearchParams(callParams).toString()}`;
    const signature = twilio.getExpectedTwilioSignature(authToken, `${publicBaseUrl}${query}`, {});
    const response = await handler(new Request(`http://10.0.0.7/voice${query}`, { headers: { 'x-twilio-signature': signature } }));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Hello, and welcome');
  });

  it('accepts a JSON body signed with bodySHA256', async () => {
    const { handler } = handlerFor();
    const body = JSON.stringify(callParams);
    const url = await withTwilioBodyHash(publicBaseUrl, body);
    const signature = await signTwilioRequest({ authToken, url, body });
    const request = new Request(`http://10.0.0.7/voice${new URL(url).search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
      body,
    });
    const response = await handler(request);
    expect(response.status).toBe(200);
    const tampered = new Request(request.url, {
      method: 'POST',
      headers: request.headers,
      body: body.replace('+15551230000', '+15550000000'),
    });
    expect((await handler(tampered)).status).toBe(403);
  });

  it('answers 400 to a malformed body, an unknown content type, or a webhook without CallSid', async () => {
    const { handler } = handlerFor({ verifySignatures: false });
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      handler(new Request('http://localhost/voice', { method: 'POST', headers: { 'content-type': type }, body }));
    expect((await post('CallSid=%E0%A4%A')).status).toBe(400);
    expect((await post('<xml/>', 'text/xml')).status).toBe(400);
    expect((await post('{not json', 'application/json')).status).toBe(400);
    expect((await post('From=%2B1')).status).toBe(400);
  });

  it('answers 403 to a forged token and to a token of another call', async () => {
    const { handler, lines } = handlerFor();
    const first = await (await handler(await twilioPost('', callParams))).text();
    const query = actionQuery(first);
    const forged = query.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    expect((await handler(await twilioPost(forged, { ...callParams, Digits: '1' }))).status).toBe(403);
    const otherCall = { ...callParams, CallSid: 'CA22222222222222222222222222222222', Digits: '1' };
    expect((await handler(await twilioPost(query, otherCall))).status).toBe(403);
    expect(lines.filter((line) => line.message.includes('invalid continuation token')).map((line) => line.fields?.reason)).toEqual([
      'token-bad-signature',
      'token-foreign-call',
    ]);
  });

  it('an authentic token for a position a redeploy removed: the caller hears the apology, not a 403', async () => {
    const before = handlerFor().handler;
    const query = actionQuery(await (await before(await twilioPost('', callParams))).text());
    const redeployed = defineFlow({
      name: 'acme',
      start: 'welcome',
      defaults: { apology: 'Sorry, we changed our menu. Please call again.' },
      nodes: { welcome: [say('New menu.'), hangup()] },
    });
    const { handler, lines } = handlerFor({ flow: redeployed });
    const response = await handler(await twilioPost(query, { ...callParams, CallStatus: 'in-progress', Digits: '1' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, we changed our menu. Please call again.</Say><Hangup/></Response>',
    );
    expect(lines.find((line) => line.level === 'error')?.message).toContain('no longer has');
  });

  it('answers a status callback with an empty document and runs nothing', async () => {
    const { handler } = handlerFor();
    const response = await handler(await twilioPost('', { ...callParams, CallStatus: 'completed', CallDuration: '42' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('a failure inside the flow: spoken apology, clean hangup, logged with the call id', async () => {
    const flow = defineFlow({
      name: 'broken',
      start: 'start',
      defaults: { apology: 'Sorry, our phone system is having trouble.' },
      nodes: {
        start: () => {
          throw new Error('database down');
        },
      },
    });
    const { handler, lines } = handlerFor({ flow });
    const response = await handler(await twilioPost('', callParams));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, our phone system is having trouble.</Say><Hangup/></Response>',
    );
    expect(lines.find((line) => line.level === 'error')).toMatchObject({ fields: { callId: callParams.CallSid } });
    expect(lines.find((line) => line.level === 'error')?.message).toContain('database down');
  });

  it('runs the voicemail hook with the recording, and a failing hook never reaches the caller', async () => {
    const seen: Effect[] = [];
    const { handler, lines } = handlerFor({
      hooks: {
        voicemail: (effect) => {
          seen.push(effect);
          throw new Error('SMS provider down');
        },
      },
    });
    const menu = actionQuery(await (await handler(await twilioPost('', callParams))).text());
    const recordQuery = actionQuery(await (await handler(await twilioPost(menu, { ...callParams, Digits: '1' }))).text());
    const recorded = {
      ...callParams,
      RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1',
      RecordingDuration: '14',
      RecordingSid: 'RE1',
      Digits: '#',
    };
    const response = await handler(await twilioPost(recordQuery, recorded));
    expect(await response.text()).toContain('Thank you for your message. Goodbye.</Say><Hangup/>');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.recording).toEqual({ url: recorded.RecordingUrl, durationSeconds: 14 });
    expect(seen[0]!.vars.voicemail).toBe(recorded.RecordingUrl);
    expect(lines.some((line) => line.level === 'error' && line.message.includes("hook 'voicemail' failed"))).toBe(true);
  });

  it('serves the enqueue wait URL and turns a <Leave/> after maxWaitSeconds into the timeout route', async () => {
    const flow = defineFlow({
      name: 'timed-queue',
      start: 'queue',
      nodes: {
        queue: [
          enqueue('sales', {
            holdMusic: 'https://cdn.example.com/hold.mp3',
            announcePosition: true,
            maxWaitSeconds: 120,
            onTimeout: 'sorry',
          }),
        ],
        sorry: [say('Nobody is free, sorry.'), hangup()],
      },
    });
    const { handler } = handlerFor({ flow });
    const first = await (await handler(await twilioPost('', callParams))).text();
    const query = actionQuery(first);
    const wait = await (await handler(await twilioPost(`${query}&e=wait`, { ...callParams, QueuePosition: '2', QueueTime: '30' }))).text();
    // The wait URL announces once, then redirects to itself carrying when (QueueTime 30), so the next run plays only the music.
    expect(wait).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Say>You are number 2 in line.<\/Say><Play>https:\/\/cdn.example.com\/hold.mp3<\/Play><Redirect method="POST">https:\/\/ivr.example.com\/voice\?t=[^<]+&amp;e=wait&amp;a=30<\/Redirect><\/Response>$/,
    );
    const again = await (
      await handler(await twilioPost(`${query}&e=wait&a=30`, { ...callParams, QueuePosition: '1', QueueTime: '62' }))
    ).text();
    expect(again).not.toContain('<Say>');
    const late = await (await handler(await twilioPost(`${query}&e=wait`, { ...callParams, QueuePosition: '2', QueueTime: '125' }))).text();
    expect(late).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Leave/></Response>');
    const after = await (await handler(await twilioPost(query, { ...callParams, QueueResult: 'leave', QueueTime: '125' }))).text();
    expect(after).toContain('Nobody is free, sorry.');
  });
});

describe('live-call control through a user-passed twilio client', () => {
  function fakeClient() {
    const updates: Array<{ callSid: string; options: unknown }> = [];
    const creates: unknown[] = [];
    const memberUpdates: Array<{ queueSid: string; member: string; options: unknown }> = [];
    const calls = Object.assign((callSid: string) => ({ update: async (options: unknown) => void updates.push({ callSid, options }) }), {
      create: async (options: unknown) => {
        creates.push(options);
        return { sid: 'CAagent' };
      },
    });
    const client: TwilioLiveClient = {
      calls,
      queues: (queueSid: string) => ({
        members: (member: string) => ({ update: async (options: unknown) => void memberUpdates.push({ queueSid, member, options }) }),
      }),
    };
    return { client, updates, creates, memberUpdates };
  }

  it('moves a live call to a node: calls(sid).update({url}) and the URL plays that node', async () => {
    const { handler } = handlerFor();
    const { client, updates } = fakeClient();
    await moveTwilioCall(client, handler, { callSid: callParams.CallSid, node: 'hours' });
    expect(updates).toHaveLength(1);
    const { url, method } = updates[0]!.options as { url: string; method: string };
    expect(method).toBe('POST');
    expect(url.startsWith('https://ivr.example.com/voice?t=')).toBe(true);
    const xml = await (await handler(await twilioPost(new URL(url).search, { ...callParams, CallStatus: 'in-progress' }))).text();
    expect(xml).toContain('We are open Monday to Friday');
    // The URL is bound to that call: another call cannot replay it.
    expect((await handler(await twilioPost(new URL(url).search, { ...callParams, CallSid: 'CA9' }))).status).toBe(403);
  });

  it('refuses to move a call to a node the flow does not have', async () => {
    const { handler } = handlerFor();
    await expect(moveTwilioCall(fakeClient().client, handler, { callSid: 'CA1', node: 'nowhere' })).rejects.toThrow(
      "unknown node 'nowhere'",
    );
  });

  it('connects an agent to the caller at the front of a queue with <Dial><Queue>', async () => {
    const { client, creates } = fakeClient();
    const result = await connectAgentToQueue(client, { queue: 'support & care', agent: '+15550001111', from: '+15559870000' });
    expect(result).toEqual({ agentCallSid: 'CAagent' });
    expect(creates).toEqual([
      {
        to: '+15550001111',
        from: '+15559870000',
        twiml: '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Queue>support &amp; care</Queue></Dial></Response>',
        timeout: undefined,
      },
    ]);
    const sdk = new twilio.twiml.VoiceResponse();
    sdk.dial().queue('support & care');
    expect((creates[0] as { twiml: string }).twiml).toBe(sdk.toString());
  });

  it('dequeues a given caller to a node', async () => {
    const { handler } = handlerFor();
    const { client, memberUpdates } = fakeClient();
    await dequeueTwilioCaller(client, handler, { queueSid: 'QU1', callSid: callParams.CallSid, node: 'reception' });
    expect(memberUpdates[0]).toMatchObject({ queueSid: 'QU1', member: callParams.CallSid, options: { method: 'POST' } });
    const url = (memberUpdates[0]!.options as { url: string }).url;
    const xml = await (await handler(await twilioPost(new URL(url).search, { ...callParams, CallStatus: 'in-progress' }))).text();
    expect(xml).toContain('Connecting you to reception.');
  });

  it('wraps client failures in a provider-request-failed error', async () => {
    const { handler } = handlerFor();
    const client = fakeClient().client;
    const failing: TwilioLiveClient = {
      ...client,
      calls: Object.assign(() => ({ update: vi.fn().mockRejectedValue(new Error('20404 not found')) }), { create: client.calls.create }),
    };
    await expect(moveTwilioCall(failing, handler, { callSid: 'CA1', node: 'menu' })).rejects.toMatchObject({
      code: 'provider-request-failed',
      provider: 'twilio',
    });
  });
});
