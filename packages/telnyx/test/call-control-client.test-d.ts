import { Telnyx } from 'telnyx';
import { describe, expectTypeOf, it } from 'vitest';
import type { TelnyxClient, TelnyxHandlerOptions } from '@callflow/telnyx';
import { createCallControlClient } from '@callflow/telnyx';

describe('TelnyxClient: the built-in client and the telnyx SDK client both fit', () => {
  it('a telnyx SDK client is assignable', () => {
    expectTypeOf<Telnyx>().toExtend<TelnyxClient>();
    expectTypeOf(new Telnyx({ apiKey: 'key' })).toExtend<TelnyxHandlerOptions['client']>();
  });

  it('the built-in client is assignable', () => {
    expectTypeOf(createCallControlClient).returns.toExtend<TelnyxClient>();
    expectTypeOf(createCallControlClient({ apiKey: 'key', baseUrl: 'http://127.0.0.1:9/v2', fetch: globalThis.fetch })).toExtend<
      TelnyxHandlerOptions['client']
    >();
  });

  it('its bodies fit the SDK parameters', () => {
    const client = createCallControlClient({ apiKey: 'key' });
    expectTypeOf<Parameters<typeof client.calls.actions.speak>[1]>().toExtend<Telnyx.Calls.ActionSpeakParams>();
    expectTypeOf<Parameters<typeof client.conferences.create>[0]>().toExtend<Telnyx.ConferenceCreateParams>();
    // @ts-expect-error: speak needs a voice, as in the SDK
    void client.calls.actions.speak('v3:call', { payload: 'Hello.' });
  });

  it('retries belong to the executor: the client takes no retry count', () => {
    const client = createCallControlClient({ apiKey: 'key' });
    void client.calls.actions.hangup('v3:call', {}, { timeout: 1000, maxRetries: 0 });
    // @ts-expect-error: the built-in client makes one attempt per call
    void client.calls.actions.hangup('v3:call', {}, { maxRetries: 2 });
  });

  it('a client missing a command callflow sends is refused', () => {
    const client = createCallControlClient({ apiKey: 'key' });
    const { hangup: _hangup, ...withoutHangup } = client.calls.actions;
    // @ts-expect-error: hangup is missing
    const partial: TelnyxClient = { calls: { actions: withoutHangup }, conferences: client.conferences };
    expectTypeOf(partial).toEqualTypeOf<TelnyxClient>();
  });
});
