import type { Vonage } from '@vonage/server-sdk';
import type {
  Action,
  ConnectAction,
  ConversationAction,
  InputAction,
  NotifyAction,
  RecordAction,
  StreamAction,
  TalkAction,
  WaitAction,
} from '@vonage/voice';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  NccoConnect,
  NccoConversation,
  NccoInput,
  NccoNotify,
  NccoRecord,
  NccoStream,
  NccoTalk,
  NccoWait,
  VonageVoiceClient,
} from '@callflow/vonage';
import { renderNcco } from '@callflow/vonage';

// Our NCCO types need no @vonage/voice. The SDK types action names and a few fields as string enums; on the wire they
// are their strings, so each SDK type is compared with its enums read as those strings.
type Wire<T> = T extends string ? `${T}` : T;
type OnTheWire<Action> = { [Field in keyof Action]: Wire<Action[Field]> };

describe('NCCO types against @vonage/voice', () => {
  it('renderNcco output is assignable to the SDK action list, read as JSON', () => {
    expectTypeOf(renderNcco).returns.toHaveProperty('output').toExtend<Array<OnTheWire<Action>>>();
  });

  it('each action type is assignable to its SDK counterpart, read as JSON', () => {
    expectTypeOf<NccoTalk>().toExtend<OnTheWire<TalkAction>>();
    expectTypeOf<NccoStream>().toExtend<OnTheWire<StreamAction>>();
    expectTypeOf<NccoWait>().toExtend<OnTheWire<WaitAction>>();
    expectTypeOf<NccoInput>().toExtend<OnTheWire<InputAction>>();
    expectTypeOf<NccoRecord>().toExtend<OnTheWire<RecordAction>>();
    expectTypeOf<NccoConnect>().toExtend<OnTheWire<ConnectAction>>();
    expectTypeOf<NccoConversation>().toExtend<OnTheWire<ConversationAction>>();
    expectTypeOf<NccoNotify>().toExtend<OnTheWire<NotifyAction>>();
  });

  it('rejects an action name the SDK does not know', () => {
    // @ts-expect-error: 'hangup' is not an NCCO action
    const wrong: NccoTalk = { action: 'hangup', text: 'x' };
    expectTypeOf(wrong).toEqualTypeOf<NccoTalk>();
  });

  it('a real @vonage/server-sdk client fits the live-call helpers', () => {
    expectTypeOf<Vonage>().toExtend<VonageVoiceClient>();
  });
});
