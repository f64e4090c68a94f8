// The request bodies of the Call Control commands callflow sends, written from the Telnyx API reference so the
// package's type declarations need no `telnyx` SDK (an optional peer). Each is named after its operation in the
// reference; packages/telnyx/test/call-control-bodies.test-d.ts checks that each is assignable to the SDK's own
// parameter type. Fields callflow never sets and whose values are nested objects (AI assistants, SIP headers, voice
// settings, streaming) are left out; `providerOptions.telnyx` still passes them through untyped.

/** The fields every call command takes. provider: https://developers.telnyx.com/api/call-control/answer-call */
interface CallCommandBody {
  /** Echoed, base64, in every webhook this command causes. */
  client_state?: string;
  /** De-duplicates a retried command: the same `command_id` is run once. */
  command_id?: string;
}

/** Where a recording's or a transfer's own recording is kept. */
type RecordingFormat = 'wav' | 'mp3';
/** The languages of the `female`/`male` voices. provider: https://developers.telnyx.com/api/call-control/speak-call */
export type SpeakLanguage =
  | 'arb'
  | 'cmn-CN'
  | 'cy-GB'
  | 'da-DK'
  | 'de-DE'
  | 'en-AU'
  | 'en-GB'
  | 'en-GB-WLS'
  | 'en-IN'
  | 'en-US'
  | 'es-ES'
  | 'es-MX'
  | 'es-US'
  | 'fr-CA'
  | 'fr-FR'
  | 'hi-IN'
  | 'is-IS'
  | 'it-IT'
  | 'ja-JP'
  | 'ko-KR'
  | 'nb-NO'
  | 'nl-NL'
  | 'pl-PL'
  | 'pt-BR'
  | 'pt-PT'
  | 'ro-RO'
  | 'ru-RU'
  | 'sv-SE'
  | 'tr-TR';
/** A repeat count, or `infinity`. provider: https://developers.telnyx.com/api/call-control/speak-call */
type LoopCount = string | number;

/** Answer call. provider: https://developers.telnyx.com/api/call-control/answer-call */
export interface AnswerCallBody extends CallCommandBody {
  billing_group_id?: string;
  preferred_codecs?: 'G722,PCMU,PCMA,G729,OPUS,VP8,H264';
  record?: 'record-from-answer';
  record_channels?: 'single' | 'dual';
  record_custom_file_name?: string;
  record_format?: RecordingFormat;
  record_max_length?: number;
  record_timeout_secs?: number;
  record_track?: 'both' | 'inbound' | 'outbound';
  record_trim?: 'trim-silence';
  send_silence_when_idle?: boolean;
  stream_track?: 'inbound_track' | 'outbound_track' | 'both_tracks';
  stream_url?: string;
  transcription?: boolean;
  webhook_url?: string;
  webhook_url_method?: 'POST' | 'GET';
}

/** Speak text (text-to-speech). provider: https://developers.telnyx.com/api/call-control/speak-call */
export interface SpeakTextBody extends CallCommandBody {
  payload: string;
  /** `female`, `male`, or a provider voice such as `Polly.Joanna` or `Telnyx.KokoroTTS.af`. */
  voice: string;
  /** The language of a `female`/`male` voice, e.g. `en-US`. */
  language?: SpeakLanguage;
  loop?: LoopCount;
  payload_type?: 'text' | 'ssml';
  service_level?: 'basic' | 'premium';
  stop?: string;
  target_legs?: 'self' | 'opposite' | 'both';
}

/** Play audio URL. provider: https://developers.telnyx.com/api/call-control/start-call-playback */
export interface StartPlaybackBody extends CallCommandBody {
  audio_type?: 'mp3' | 'wav';
  audio_url?: string;
  cache_audio?: boolean;
  loop?: LoopCount;
  media_name?: string;
  overlay?: boolean;
  playback_content?: string;
  stop?: string;
  target_legs?: string;
}

/** Stop audio playback. provider: https://developers.telnyx.com/api/call-control/stop-call-playback */
export interface StopPlaybackBody extends CallCommandBody {
  overlay?: boolean;
  stop?: string;
}

/** The DTMF settings the gather commands share. provider: https://developers.telnyx.com/api/call-control/gather-call */
interface GatherDigitsBody extends CallCommandBody {
  inter_digit_timeout_millis?: number;
  maximum_digits?: number;
  minimum_digits?: number;
  terminating_digit?: string;
  timeout_millis?: number;
  valid_digits?: string;
}

/** Gather using speak. provider: https://developers.telnyx.com/api/call-control/gather-using-speak */
export interface GatherUsingSpeakBody extends GatherDigitsBody {
  payload: string;
  voice: string;
  invalid_payload?: string;
  language?: SpeakLanguage;
  maximum_tries?: number;
  payload_type?: 'text' | 'ssml';
  service_level?: 'basic' | 'premium';
}

/** Gather using audio. provider: https://developers.telnyx.com/api/call-control/gather-using-audio */
export interface GatherUsingAudioBody extends GatherDigitsBody {
  audio_url?: string;
  invalid_audio_url?: string;
  invalid_media_name?: string;
  maximum_tries?: number;
  media_name?: string;
}

/** Gather (DTMF, no prompt). provider: https://developers.telnyx.com/api/call-control/gather-call */
export interface GatherBody extends GatherDigitsBody {
  gather_id?: string;
  initial_timeout_millis?: number;
}

/** Stop current gather. provider: https://developers.telnyx.com/api-reference/call-commands/gather-stop */
export type StopGatherBody = CallCommandBody;

/** The languages of the Google transcription engine. provider: telnyx SDK resources/calls/actions.d.ts `GoogleTranscriptionLanguage` (https://developers.telnyx.com/api-reference/call-commands/transcription-start) */
export const googleTranscriptionLanguages = [
  'af',
  'sq',
  'am',
  'ar',
  'hy',
  'az',
  'eu',
  'bn',
  'bs',
  'bg',
  'my',
  'ca',
  'yue',
  'zh',
  'hr',
  'cs',
  'da',
  'nl',
  'en',
  'et',
  'fil',
  'fi',
  'fr',
  'gl',
  'ka',
  'de',
  'el',
  'gu',
  'iw',
  'hi',
  'hu',
  'is',
  'id',
  'it',
  'ja',
  'jv',
  'kn',
  'kk',
  'km',
  'ko',
  'lo',
  'lv',
  'lt',
  'mk',
  'ms',
  'ml',
  'mr',
  'mn',
  'ne',
  'no',
  'fa',
  'pl',
  'pt',
  'pa',
  'ro',
  'ru',
  'rw',
  'sr',
  'si',
  'sk',
  'sl',
  'ss',
  'st',
  'es',
  'su',
  'sw',
  'sv',
  'ta',
  'te',
  'th',
  'tn',
  'tr',
  'ts',
  'uk',
  'ur',
  'uz',
  've',
  'vi',
  'xh',
  'zu',
] as const;

/** Transcription start (real-time speech recognition, `call.transcription` events). provider: https://developers.telnyx.com/api-reference/call-commands/transcription-start */
export interface StartTranscriptionBody extends CallCommandBody {
  transcription_engine?: 'Google';
  transcription_engine_config?: {
    transcription_engine?: 'Google';
    language?: (typeof googleTranscriptionLanguages)[number];
    hints?: string[];
    /** Interim results let callflow stop the DTMF gather (its no-input timer) as soon as the caller starts speaking. */
    interim_results?: boolean;
  };
  /** `inbound`: the caller's own speech. */
  transcription_tracks?: string;
}

/** Transcription stop. provider: https://developers.telnyx.com/api-reference/call-commands/transcription-stop */
export type StopTranscriptionBody = CallCommandBody;

/** Recording start. provider: https://developers.telnyx.com/api/call-control/start-call-record */
export interface StartRecordingBody extends CallCommandBody {
  channels: 'single' | 'dual';
  format: RecordingFormat;
  custom_file_name?: string;
  max_length?: number;
  play_beep?: boolean;
  recording_track?: 'both' | 'inbound' | 'outbound';
  /** Silence that stops the recording; it only starts counting once speech is detected (see the page above). */
  timeout_secs?: number;
  transcription?: boolean;
  transcription_engine?: 'A' | 'B' | 'deepgram/nova-3';
  transcription_max_speaker_count?: number;
  transcription_min_speaker_count?: number;
  transcription_profanity_filter?: boolean;
  transcription_speaker_diarization?: boolean;
  trim?: 'trim-silence';
}

/** Recording stop. provider: https://developers.telnyx.com/api/call-control/stop-call-recording */
export interface StopRecordingBody extends CallCommandBody {
  recording_id?: string;
}

/** Transfer call. provider: https://developers.telnyx.com/api/call-control/transfer-call */
export interface TransferCallBody extends CallCommandBody {
  to: string;
  answering_machine_detection?: 'premium' | 'detect' | 'detect_beep' | 'detect_words' | 'greeting_end' | 'disabled';
  audio_url?: string;
  diversion?: string;
  early_media?: boolean;
  from?: string;
  from_display_name?: string;
  media_encryption?: 'disabled' | 'SRTP' | 'DTLS';
  media_name?: string;
  mute_dtmf?: 'none' | 'both' | 'self' | 'opposite';
  park_after_unbridge?: string;
  preferred_codecs?: string;
  privacy?: 'id' | 'none';
  record?: 'record-from-answer';
  record_channels?: 'single' | 'dual';
  record_custom_file_name?: string;
  record_format?: RecordingFormat;
  record_max_length?: number;
  record_timeout_secs?: number;
  record_track?: 'both' | 'inbound' | 'outbound';
  record_trim?: 'trim-silence';
  route_to_mobile?: boolean;
  send_digits_on_answer?: string;
  sip_auth_password?: string;
  sip_auth_username?: string;
  sip_transport_protocol?: 'UDP' | 'TCP' | 'TLS';
  /** Set on the new leg; callflow keeps its continuation state here. */
  target_leg_client_state?: string;
  time_limit_secs?: number;
  /** Ringing time before the transfer gives up. */
  timeout_secs?: number;
  webhook_url?: string;
  webhook_url_method?: 'POST' | 'GET';
}

/** Dial (POST /calls): the far leg of a screened or spoken-whisper transfer. provider: https://developers.telnyx.com/api-reference/call-commands/dial (telnyx SDK resources/calls/calls.d.ts CallDialParams) */
export interface DialCallBody extends CallCommandBody {
  connection_id: string;
  to: string;
  from: string;
  answering_machine_detection?: 'premium' | 'detect' | 'detect_beep' | 'detect_words' | 'greeting_end' | 'disabled';
  /** With `link_to`: the `from` is the linked call's. */
  bridge_intent?: boolean;
  from_display_name?: string;
  /** The call whose session the new leg shares. */
  link_to?: string;
  sip_auth_password?: string;
  sip_auth_username?: string;
  time_limit_secs?: number;
  /** Ringing time (5-600, default 30) before the leg is hung up with hangup_cause timeout. */
  timeout_secs?: number;
  webhook_url?: string;
  webhook_url_method?: 'POST' | 'GET';
}

/** Bridge calls. provider: https://developers.telnyx.com/api-reference/call-commands/bridge-calls (telnyx SDK resources/calls/actions.d.ts ActionBridgeParams) */
export interface BridgeCallBody extends CallCommandBody {
  call_control_id_to_bridge_with: string;
  hold_after_unbridge?: boolean;
  mute_dtmf?: 'none' | 'both' | 'self' | 'opposite';
  /** `self`: this leg is parked, not hung up, when the bridge ends. */
  park_after_unbridge?: string;
  play_ringtone?: boolean;
  prevent_double_bridge?: boolean;
  record?: 'record-from-answer';
  record_channels?: 'single' | 'dual';
  record_format?: RecordingFormat;
}

/** Send DTMF. provider: https://developers.telnyx.com/api-reference/call-commands/send-dtmf (telnyx SDK resources/calls/actions.d.ts ActionSendDtmfParams) */
export interface SendDtmfBody extends CallCommandBody {
  /** 0-9, A-D, `*`, `#`; `w` a 0.5 s pause, `W` 1 s. */
  digits: string;
  duration_millis?: number;
}

/** Enqueue call. provider: https://developers.telnyx.com/api/call-control/enqueue-call */
export interface EnqueueCallBody extends CallCommandBody {
  queue_name: string;
  keep_after_hangup?: boolean;
  max_size?: number;
  max_wait_time_secs?: number;
}

/** Remove call from a queue. provider: https://developers.telnyx.com/api/call-control/leave-queue */
export type LeaveQueueBody = CallCommandBody;

/** Reject call: declines an inbound call without answering it. provider: https://developers.telnyx.com/api/call-control/reject-call (telnyx SDK resources/calls/actions.d.ts ActionRejectParams) */
export interface RejectCallBody extends CallCommandBody {
  cause: 'CALL_REJECTED' | 'USER_BUSY';
}

/** Hangup call. provider: https://developers.telnyx.com/api/call-control/hangup-call */
export type HangupCallBody = CallCommandBody;

/** When the conference beeps. provider: https://developers.telnyx.com/api/call-control/create-conference */
type BeepEnabled = 'always' | 'never' | 'on_enter' | 'on_exit';

/** Create conference (POST /conferences). provider: https://developers.telnyx.com/api/call-control/create-conference */
export interface CreateConferenceBody extends CallCommandBody {
  /** The call that creates the room and joins it. */
  call_control_id: string;
  name: string;
  beep_enabled?: BeepEnabled;
  comfort_noise?: boolean;
  duration_minutes?: number;
  hold_audio_url?: string;
  hold_media_name?: string;
  max_participants?: number;
  region?: 'Australia' | 'Europe' | 'Middle East' | 'US';
  start_conference_on_create?: boolean;
}

/** Join a conference. provider: https://developers.telnyx.com/api/call-control/join-conference */
export interface JoinConferenceBody extends CallCommandBody {
  call_control_id: string;
  beep_enabled?: BeepEnabled;
  end_conference_on_exit?: boolean;
  hold?: boolean;
  hold_audio_url?: string;
  hold_media_name?: string;
  mute?: boolean;
  soft_end_conference_on_exit?: boolean;
  start_conference_on_enter?: boolean;
  supervisor_role?: 'barge' | 'monitor' | 'none' | 'whisper';
  whisper_call_control_ids?: string[];
}

/** Mute participants (POST /conferences/{id}/actions/mute). provider: telnyx SDK resources/conferences/actions.d.ts ActionMuteParams. */
export interface MuteConferenceBody {
  /** The legs to mute; empty or absent mutes everyone. */
  call_control_ids?: string[];
}

/** Leave a conference, back to the parked state (POST /conferences/{id}/actions/leave). provider: telnyx SDK ActionLeaveParams. */
export interface LeaveConferenceBody {
  call_control_id: string;
  beep_enabled?: BeepEnabled;
  command_id?: string;
}
