import type { Vonage } from '@vonage/server-sdk';
import type { Action, ConnectAction, ConversationAction, InputAction, NotifyAction, RecordAction, StreamAction, TalkAction, WaitAction } from '@vonage/voice';
import { describe, expectTypeOf, it } from 'vitest';
import type { NccoConnect, NccoConversation, NccoInput, NccoNotify, NccoRecord, NccoStream, NccoTalk, NccoWait, VonageVoiceClient } from '@callflow/vonage';
import { renderNcco } from '@callflow/vonage';

describe('NCCO types against @vonage/voice', () => {
  it('renderNcco output is assignable to the SDK action list', () => {
    expectTypeOf(renderNcco).returns.toHaveProperty('output').toExtend<Action[]>();
  });

  it('each action type is assignable to its SDK counterpart', () => {
    expectTypeOf<NccoTalk>().toExtend<TalkAction>();
    expectTypeOf<NccoStream>().toExtend<StreamAction>();
    expectTypeOf<NccoWait>().toExtend<WaitAction>();
    expectTypeOf<NccoInput>().toExtend<InputAction>();
    expectTypeOf<NccoRecord>().toExtend<RecordAction>();
    expectTypeOf<NccoConnect>().toExtend<ConnectAction>();
    expectTypeOf<NccoConversation>().toExtend<ConversationAction>();
    expectTypeOf<NccoNotify>().toExtend<NotifyAction>();
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
