import type { Telnyx } from 'telnyx';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Bodies from '../src/call-control-bodies.js';

// Our Call Control body types are written from the Telnyx API reference, so the package's declarations need no
// telnyx SDK. The SDK (generated from the same OpenAPI spec) is the oracle: every body we declare is one it accepts.
describe('Call Control bodies fit the telnyx SDK parameters', () => {
  it('call commands', () => {
    expectTypeOf<Bodies.AnswerCallBody>().toExtend<Telnyx.Calls.ActionAnswerParams>();
    expectTypeOf<Bodies.SpeakTextBody>().toExtend<Telnyx.Calls.ActionSpeakParams>();
    expectTypeOf<Bodies.StartPlaybackBody>().toExtend<Telnyx.Calls.ActionStartPlaybackParams>();
    expectTypeOf<Bodies.StopPlaybackBody>().toExtend<Telnyx.Calls.ActionStopPlaybackParams>();
    expectTypeOf<Bodies.GatherUsingSpeakBody>().toExtend<Telnyx.Calls.ActionGatherUsingSpeakParams>();
    expectTypeOf<Bodies.GatherUsingAudioBody>().toExtend<Telnyx.Calls.ActionGatherUsingAudioParams>();
    expectTypeOf<Bodies.GatherBody>().toExtend<Telnyx.Calls.ActionGatherParams>();
    expectTypeOf<Bodies.StopGatherBody>().toExtend<Telnyx.Calls.ActionStopGatherParams>();
    expectTypeOf<Bodies.StartTranscriptionBody>().toExtend<Telnyx.Calls.ActionStartTranscriptionParams>();
    expectTypeOf<Bodies.StopTranscriptionBody>().toExtend<Telnyx.Calls.ActionStopTranscriptionParams>();
    expectTypeOf<Bodies.StartRecordingBody>().toExtend<Telnyx.Calls.ActionStartRecordingParams>();
    expectTypeOf<Bodies.StopRecordingBody>().toExtend<Telnyx.Calls.ActionStopRecordingParams>();
    expectTypeOf<Bodies.TransferCallBody>().toExtend<Telnyx.Calls.ActionTransferParams>();
    expectTypeOf<Bodies.EnqueueCallBody>().toExtend<Telnyx.Calls.ActionEnqueueParams>();
    expectTypeOf<Bodies.LeaveQueueBody>().toExtend<Telnyx.Calls.ActionLeaveQueueParams>();
    expectTypeOf<Bodies.HangupCallBody>().toExtend<Telnyx.Calls.ActionHangupParams>();
    expectTypeOf<Bodies.BridgeCallBody>().toExtend<Telnyx.Calls.ActionBridgeParams>();
    expectTypeOf<Bodies.SendDtmfBody>().toExtend<Telnyx.Calls.ActionSendDtmfParams>();
    expectTypeOf<Bodies.DialCallBody>().toExtend<Telnyx.CallDialParams>();
  });

  it('conference commands', () => {
    expectTypeOf<Bodies.CreateConferenceBody>().toExtend<Telnyx.ConferenceCreateParams>();
    expectTypeOf<Bodies.JoinConferenceBody>().toExtend<Telnyx.Conferences.ActionJoinParams>();
  });

  it("the required fields are the SDK's", () => {
    // @ts-expect-error: speak needs a voice, as in the SDK
    expectTypeOf<{ payload: string }>().toExtend<Bodies.SpeakTextBody>();
    // @ts-expect-error: record_start needs channels and format, as in the SDK
    expectTypeOf<{ max_length: number }>().toExtend<Bodies.StartRecordingBody>();
  });
});
