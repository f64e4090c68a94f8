import type { Twilio } from 'twilio';
import type { CallListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/call';
import { describe, expectTypeOf, it } from 'vitest';
import type { TwilioCallsClient } from '../src/index.js';

// calls.create's options as callflow sends them must be the SDK's CallListInstanceCreateOptions fields.
describe('startTwilioCall against the twilio SDK types', () => {
  it('sends only CallListInstanceCreateOptions fields, and a twilio client fits', () => {
    expectTypeOf<Parameters<TwilioCallsClient['calls']['create']>[0]>().toExtend<CallListInstanceCreateOptions>();
    expectTypeOf<Twilio>().toExtend<TwilioCallsClient>();
  });
});
