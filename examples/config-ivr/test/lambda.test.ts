import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { createConfigIvr } from '../src/app.js';
import { requestFromEvent, toLambdaHandler, type ApiGatewayEvent } from '../src/lambda.js';

const authToken = 'lambda-auth-token-0123456789abcdef';
const publicBaseUrl = 'https://abc123.execute-api.eu-west-2.amazonaws.com/prod/ivr';
const fields = {
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  ApiVersion: '2010-04-01',
  CallSid: 'CAfeedfacefeedfacefeedfacefeedface',
  CallStatus: 'ringing',
  Called: '+441632960000',
  Caller: '+447700900555',
  Direction: 'inbound',
  From: '+447700900555',
  To: '+441632960000',
};
const ivr = toLambdaHandler(
  createConfigIvr({
    authToken,
    secret: 'lambda-secret-0123456789abcdef',
    publicBaseUrl,
    now: () => Date.parse('2026-01-12T10:00:00Z'),
    logger: { warn() {}, error() {} },
  }),
);

/** A REST API (v1) proxy event shaped like the ones API Gateway delivers; Twilio signs the public stage URL. */
function v1Event(query: Record<string, string>, params: Record<string, string>, signedFor = publicBaseUrl): ApiGatewayEvent {
  const search = new URLSearchParams(query).toString();
  const signature = twilio.getExpectedTwilioSignature(authToken, `${signedFor}${search ? `?${search}` : ''}`, params);
  return {
    resource: '/ivr',
    path: '/ivr',
    httpMethod: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Host: 'abc123.execute-api.eu-west-2.amazonaws.com',
      'X-Twilio-Signature': signature,
      'X-Forwarded-Proto': 'https',
    },
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(query).length
      ? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]]))
      : null,
    requestContext: { domainName: 'abc123.execute-api.eu-west-2.amazonaws.com' },
    body: Buffer.from(new URLSearchParams(params).toString()).toString('base64'),
    isBase64Encoded: true,
  } as ApiGatewayEvent;
}

/** An HTTP API (v2) proxy event. */
function v2Event(rawQueryString: string, params: Record<string, string>): ApiGatewayEvent {
  const signature = twilio.getExpectedTwilioSignature(authToken, `${publicBaseUrl}${rawQueryString ? `?${rawQueryString}` : ''}`, params);
  return {
    version: '2.0',
    rawPath: '/prod/ivr',
    rawQueryString,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      host: 'abc123.execute-api.eu-west-2.amazonaws.com',
    },
    requestContext: { domainName: 'abc123.execute-api.eu-west-2.amazonaws.com', http: { method: 'POST' } },
    body: new URLSearchParams(params).toString(),
    isBase64Encoded: false,
  };
}

describe('config IVR as an AWS Lambda handler', () => {
  it('v1 (REST API): answers the first webhook with the welcome and the menu, signature over the public stage URL', async () => {
    const result = await ivr(v1Event({}, fields));
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toContain('text/xml');
    expect(result.body).toContain('<Say voice="Polly.Amy" language="en-GB">Thank you for calling Example Limited.</Say><Gather');
  });

  it('v1 then v2: the menu action (token re-encoded from the query parameters) leads on to sales', async () => {
    const first = await ivr(v1Event({}, fields));
    const token = /action="[^"?]+\?t=([^"&]+)"/.exec(first.body)![1]!;
    const v1 = await ivr(v1Event({ t: decodeURIComponent(token) }, { ...fields, CallStatus: 'in-progress', Digits: '1' }));
    expect(v1.statusCode).toBe(200);
    expect(v1.body).toContain('Connecting you to our sales team.');
    const v2 = await ivr(v2Event(`t=${token}`, { ...fields, CallStatus: 'in-progress', Digits: '3' }));
    expect(v2.statusCode).toBe(200);
    expect(v2.body).toContain('Please leave a message after the tone.');
  });

  it('refuses an event signed for another URL (403), and a body that is not a form (400)', async () => {
    expect((await ivr(v1Event({}, fields, 'https://example.com/ivr'))).statusCode).toBe(403);
    const bad = v2Event('', fields);
    bad.headers = { ...bad.headers, 'content-type': 'text/plain' };
    expect((await ivr(bad)).statusCode).toBe(400);
  });

  it('rebuilds v1 query strings from multiValueQueryStringParameters', () => {
    const request = requestFromEvent({
      path: '/ivr',
      httpMethod: 'GET',
      multiValueQueryStringParameters: { t: ['a.b'], e: ['wait'] },
      requestContext: { domainName: 'x.example.com' },
    });
    expect(request.url).toBe('https://x.example.com/ivr?t=a.b&e=wait');
    expect(request.method).toBe('GET');
  });
});
