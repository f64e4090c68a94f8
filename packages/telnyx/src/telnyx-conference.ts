import type { CallFlowError as CallFlowErrorClass, Store, updateJson as updateJsonFunction } from '@callflow/core';
import type { ErrorKind, ExecuteCommandsOptions, RoomRecord, TelnyxRequestOptions } from './execute-commands.js';
import type { TelnyxConferenceBody } from './plan-commands.js';

// The conference commands (a room made once per name across legs and instances, its creator muted, the others sent out
// on endOnExit), in a chunk of their own that only a flow with a conference step loads (execute-commands.ts loads it at
// its first conference command). It imports no code: what it uses from execute-commands.ts and core comes in through
// `provideConferenceKit`, so a bundler does not split what both would share into a third file.

/** What the conference commands use from execute-commands.ts and core. */
export interface ConferenceKit {
  CallFlowError: typeof CallFlowErrorClass;
  classify(error: unknown): ErrorKind;
  sleep(ms: number): Promise<unknown>;
  roomKey(room: string): string;
  conferenceKey(id: string): string;
  updateJson: typeof updateJsonFunction;
}

let CallFlowError: ConferenceKit['CallFlowError'];
let classify: ConferenceKit['classify'];
let sleep: ConferenceKit['sleep'];
let roomKey: ConferenceKit['roomKey'];
let conferenceKey: ConferenceKit['conferenceKey'];
let updateJson: ConferenceKit['updateJson'];

/** Hands the chunk what it uses; called once, when execute-commands.ts loads it. */
export function provideConferenceKit(kit: ConferenceKit): void {
  ({ CallFlowError, classify, sleep, roomKey, conferenceKey, updateJson } = kit);
}

/** A conference command callflow cannot do without: the client in use lacks it. */
function conferenceMethod<T>(method: T | undefined, name: string): T {
  if (method === undefined)
    throw new CallFlowError(
      'invalid-options',
      `the Telnyx client has no conferences.${name} (use createCallControlClient or the telnyx SDK)`,
      {
        provider: 'telnyx',
      },
    );
  return method;
}

// provider: create takes no mute (telnyx SDK resources/conferences/conferences.d.ts ConferenceCreateParams), so the creator
// is muted by POST /conferences/{id}/actions/mute with its call_control_id (actions.d.ts ActionMuteParams).
async function muteCreator(
  conferenceId: string,
  callControlId: string,
  options: ExecuteCommandsOptions,
  requestOptions: TelnyxRequestOptions,
) {
  const actions = options.client.conferences.actions;
  await conferenceMethod(actions.mute, 'actions.mute').call(actions, conferenceId, { call_control_ids: [callControlId] }, requestOptions);
}

/**
 * The flow's `endOnExit` on Telnyx: everyone else leaves the room (`leave`, back to the parked state, with a
 * conference.participant.left each, so each flow goes on as on Twilio and Vonage), which then ends as all have left.
 * provider: join's end_conference_on_exit hangs the others up instead ("all remaining participants be hung up", telnyx SDK
 * resources/conferences/actions.d.ts ActionJoinParams), as does POST /conferences/{id}/actions/end.
 */
export async function leaveOthers(
  callControlId: string,
  conferenceId: string,
  options: ExecuteCommandsOptions,
  requestOptions: TelnyxRequestOptions,
  countRequest: () => void,
): Promise<void> {
  const conferences = options.client.conferences;
  countRequest();
  // provider: GET /conferences/{id}/participants, up to 250 a page (the room's default size, ConferenceCreateParams.max_participants).
  const page = await conferenceMethod(conferences.listParticipants, 'listParticipants').call(
    conferences,
    conferenceId,
    { 'page[size]': 250 },
    requestOptions,
  );
  const leave = conferenceMethod(conferences.actions.leave, 'actions.leave');
  for (const participant of page.data ?? []) {
    const other = participant.call_control_id;
    if (!other || other === callControlId) continue;
    countRequest();
    try {
      await leave.call(conferences.actions, conferenceId, { call_control_id: other }, requestOptions);
    } catch (error) {
      // A leg that left or hung up meanwhile is refused; the rest still leave.
      if (classify(error) === 'retry') throw error;
    }
  }
}

/** Joins the room of `body.room`, creating it first (once across legs and instances) when it does not exist yet. */
export async function joinOrCreate(
  callControlId: string,
  body: TelnyxConferenceBody,
  options: ExecuteCommandsOptions,
  requestOptions: TelnyxRequestOptions,
  countRequest: () => void,
): Promise<void> {
  const { store } = options;
  const key = roomKey(body.room);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const raw = await store.get(key);
    const record = raw === undefined ? undefined : (JSON.parse(raw) as RoomRecord | null);
    if (record?.state === 'ready' && record.by === callControlId && record.id) {
      // A retry after the room was created by this leg: it is in already; only the mute may be missing.
      if (body.join.mute) await muteCreator(record.id, callControlId, options, requestOptions);
      return;
    }
    const mine = record?.state === 'creating' && record.by === callControlId;
    if (record === undefined || record === null || mine) {
      const claimed =
        mine ||
        (await store.compareAndSet(key, raw, JSON.stringify({ state: 'creating', by: callControlId } satisfies RoomRecord), {
          ttlSeconds: 30,
        }));
      if (!claimed) continue;
      try {
        countRequest();
        const created = await options.client.conferences.create({ ...body.create, call_control_id: callControlId }, requestOptions);
        const id = created.data?.id;
        if (!id) throw new CallFlowError('provider-request-failed', 'conferences.create returned no id', { provider: 'telnyx' });
        await store.set(conferenceKey(id), body.room, { ttlSeconds: 86_400 });
        await store.set(key, JSON.stringify({ state: 'ready', id, by: callControlId } satisfies RoomRecord), { ttlSeconds: 86_400 });
        if (body.join.mute) {
          countRequest();
          await muteCreator(id, callControlId, options, requestOptions);
        }
        return;
      } catch (error) {
        // Only a definite refusal frees the name; a retryable failure keeps the claim so the retry (same command_id) creates it.
        if (classify(error) !== 'retry')
          await store.compareAndSet(key, JSON.stringify({ state: 'creating', by: callControlId }), JSON.stringify(null), { ttlSeconds: 1 });
        throw error;
      }
    }
    if (record.state === 'ready' && record.id) {
      try {
        countRequest();
        await options.client.conferences.actions.join(record.id, { ...body.join, call_control_id: callControlId }, requestOptions);
        return;
      } catch (error) {
        if (classify(error) !== 'fatal') throw error;
        // The room ended between lookup and join: forget it and create a new one.
        options.logger.warn(`[callflow:telnyx] conference '${body.room}' (${record.id}) refused the join; creating it again`, {
          callId: callControlId,
        });
        await store.compareAndSet(key, raw, JSON.stringify(null), { ttlSeconds: 1 });
        continue;
      }
    }
    await sleep(25);
  }
  throw new CallFlowError('store-unavailable', `conference '${body.room}' is still being created by another call after 10 s`, {
    provider: 'telnyx',
  });
}

/** Forgets a room's name → id entry when Telnyx reports `conference.ended`, so the next caller creates a new room. */
export async function forgetConference(store: Store, conferenceId: string): Promise<string | undefined> {
  const room = await store.get(conferenceKey(conferenceId));
  if (room === undefined) return undefined;
  await updateJson<RoomRecord | null>(store, roomKey(room), (current) =>
    current?.id === conferenceId ? undefined : (current ?? undefined),
  );
  await store.delete(conferenceKey(conferenceId));
  return room;
}
