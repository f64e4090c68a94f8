import type { Vonage } from '@vonage/server-sdk';
import type { CallWithAnswerURL } from '@vonage/voice';
import { describe, expectTypeOf, it } from 'vitest';
import type { VonageCallsClient, VonageOutboundCallRequest } from '../src/index.js';

// createOutboundCall's request as callflow sends it must be the SDK's CallWithAnswerURL fields (camelCase; the SDK sends snake_case).
describe('startVonageCall against the @vonage/voice types', () => {
  it('sends only CallWithAnswerURL fields, and a Vonage client fits', () => {
    expectTypeOf<keyof VonageOutboundCallRequest>().toExtend<keyof CallWithAnswerURL>();
    expectTypeOf<Vonage>().toExtend<VonageCallsClient>();
  });
});
