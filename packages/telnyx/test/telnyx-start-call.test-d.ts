import type { Telnyx } from 'telnyx';
import { describe, expectTypeOf, it } from 'vitest';
import type { TelnyxDialClient, TelnyxDialParams } from '../src/index.js';

// The dial body is written from the telnyx SDK's CallDialParams: every field callflow sends must exist there with a compatible type.
describe('startTelnyxCall against the telnyx SDK types', () => {
  it('sends only CallDialParams fields, and a telnyx client fits', () => {
    expectTypeOf<TelnyxDialParams>().toExtend<Telnyx.CallDialParams>();
    expectTypeOf<Telnyx>().toExtend<TelnyxDialClient>();
  });
});
