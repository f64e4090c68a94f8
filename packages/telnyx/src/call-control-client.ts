import { CallFlowError } from '@callflow/core';
import type { TelnyxCallActions, TelnyxClient, TelnyxRequestOptions } from './execute-commands.js';

/** Settings of the built-in Call Control client. */
export interface CallControlClientOptions {
  /** A Telnyx API key (Mission Control → API Keys), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Default `https://api.telnyx.com/v2`, as the telnyx SDK's. */
  baseUrl?: string;
  /**
   * Sends through this `fetch` when given. Without it: node:http/node:https where the runtime has them (Node ≥ 20.16,
   * keep-alive, no undici to load on a cold start), else `globalThis.fetch`, read at each request.
   */
  fetch?: typeof globalThis.fetch;
}

/** What a failed Call Control request rejects with: `status` and the parsed body (`error`) when Telnyx answered. */
export type CallControlRequestError = CallFlowError & {
  /** The HTTP status; absent for a network failure or a timeout. */
  status?: number;
  /** The response body, parsed as JSON (`{ errors: [{ code, title, detail }] }`); absent when it is not JSON. */
  error?: unknown;
};

/** Same default as the telnyx SDK (`Telnyx.DEFAULT_TIMEOUT`). */
const defaultTimeoutMs = 60_000;

/** SDK method name → Call Control action (URL segment), for every command callflow sends. */
const callActions = {
  answer: 'answer',
  speak: 'speak',
  startPlayback: 'playback_start',
  stopPlayback: 'playback_stop',
  gatherUsingSpeak: 'gather_using_speak',
  gatherUsingAudio: 'gather_using_audio',
  gather: 'gather',
  stopGather: 'gather_stop',
  startTranscription: 'transcription_start',
  stopTranscription: 'transcription_stop',
  startRecording: 'record_start',
  stopRecording: 'record_stop',
  transfer: 'transfer',
  enqueue: 'enqueue',
  leaveQueue: 'leave_queue',
  hangup: 'hangup',
  reject: 'reject',
  bridge: 'bridge',
  sendDtmf: 'send_dtmf',
} as const satisfies Record<keyof TelnyxCallActions, string>;

/** Percent-encodes a path parameter the way the telnyx SDK does (RFC 3986 pchar kept: `v3:…` stays as it is). */
function pathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..')
    throw new CallFlowError('provider-request-failed', `'${value}' is not a valid id in a Call Control path`, { provider: 'telnyx' });
  return value.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@]+/g, encodeURIComponent);
}

/** `detail (code)` of Telnyx's first error, else the start of the body. */
function describeFailure(body: unknown, text: string): string {
  const first = (body as { errors?: Array<{ code?: unknown; title?: unknown; detail?: unknown }> } | undefined)?.errors?.[0];
  if (first) return `${String(first.detail ?? first.title ?? 'error')}${first.code === undefined ? '' : ` (${String(first.code)})`}`;
  return text.slice(0, 200) || 'no body';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One request as either transport sends it; the transport aborts it after `timeoutMs` (rejecting with `TimedOut`). */
interface OutgoingRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
}

/** What the response handling needs of an answer: status, media type, body text. */
interface IncomingResponse {
  status: number;
  contentType: string;
  text: string;
}

type Transport = (request: OutgoingRequest) => Promise<IncomingResponse>;

/** What a transport rejects with when the request ran past its timeout. */
class TimedOut extends Error {}

function fetchTransport(fetch: () => typeof globalThis.fetch): Transport {
  return async ({ method, url, headers, body, timeoutMs }) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const { signal } = controller;
      const response = await fetch()(url, body === undefined ? { method, headers, signal } : { method, headers, body, signal });
      const text = response.status === 204 ? '' : await response.text();
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
    } catch (error) {
      throw controller.signal.aborted ? new TimedOut('timed out') : error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The part of node:http and node:https the node transport uses. */
interface NodeIncomingLike {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  setEncoding(encoding: 'utf8'): void;
  on(event: 'data', listener: (chunk: string) => void): void;
  on(event: 'end' | 'aborted', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
interface NodeRequestLike {
  on(event: 'error', listener: (error: Error) => void): void;
  end(body?: string): void;
  destroy(error?: Error): void;
}
interface NodeHttpLike {
  request(
    url: URL,
    options: { method: string; headers: Record<string, string> },
    callback: (response: NodeIncomingLike) => void,
  ): NodeRequestLike;
}

type NodeProtocol = 'http:' | 'https:';
type GetBuiltinModule = (id: string) => unknown;

/** `process.getBuiltinModule` (Node ≥ 20.16), so bundles stay platform neutral; undefined elsewhere. */
function builtinModuleLoader(): GetBuiltinModule | undefined {
  const load = (globalThis as { process?: { getBuiltinModule?: GetBuiltinModule } }).process?.getBuiltinModule;
  return typeof load === 'function' ? load : undefined;
}

/** `Buffer.byteLength` of node:buffer, for a body's Content-Length without encoding it first. */
type ByteLength = (text: string, encoding: 'utf8') => number;

const nodeModules: Partial<Record<NodeProtocol, NodeHttpLike>> = {};

/**
 * node:http or node:https, whichever the URL needs, loaded on first use (node:https pulls in node:tls: a client that
 * only ever talks plain HTTP, to a local stand-in or a proxy, never loads it).
 */
function nodeHttpModule(load: GetBuiltinModule, protocol: NodeProtocol): NodeHttpLike {
  let module = nodeModules[protocol];
  if (!module) {
    module = load(protocol === 'http:' ? 'node:http' : 'node:https') as NodeHttpLike;
    nodeModules[protocol] = module;
  }
  return module;
}

/**
 * Sends with `http.request`/`https.request` by the URL's protocol, on the global agent (keep-alive on Node ≥ 19). The
 * timeout is a timer that destroys the request: no `signal` option, whose stream abort helper (`addAbortSignal`, an
 * end-of-stream watcher) ran on every request and cost ~1 ms on a cold start's first command.
 */
function nodeTransport(load: GetBuiltinModule): Transport {
  const byteLength = (load('node:buffer') as { Buffer: { byteLength: ByteLength } }).Buffer.byteLength;
  return ({ method, url, headers, body, timeoutMs }) =>
    new Promise<IncomingResponse>((resolve, reject) => {
      const target = new URL(url);
      const protocol = target.protocol;
      if (protocol !== 'http:' && protocol !== 'https:') {
        reject(new Error(`unsupported protocol ${protocol}`));
        return;
      }
      // The body goes as a string: node:http then writes it in one piece with the head, and nothing encodes it twice.
      const sentHeaders = body === undefined ? headers : { ...headers, 'content-length': String(byteLength(body, 'utf8')) };
      let settled = false;
      const settle =
        <Value>(finish: (value: Value) => void) =>
        (value: Value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          finish(value);
        };
      const request = nodeHttpModule(load, protocol).request(target, { method, headers: sentHeaders }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('aborted', () => settle(reject)(new Error('the response was cut off')));
        response.on('error', settle(reject));
        response.on('end', () => {
          const contentType = response.headers['content-type'];
          settle(resolve)({ status: response.statusCode ?? 0, contentType: String(contentType ?? ''), text });
        });
      });
      const timer = setTimeout(() => {
        const timedOut = new TimedOut('timed out');
        settle(reject)(timedOut);
        request.destroy(timedOut);
      }, timeoutMs);
      request.on('error', settle(reject));
      request.end(body);
    });
}

/** As the SDK: a non-2xx status → an error with `status` and the parsed body; 204 → null; a JSON media type → the parsed body; else the text. */
function handleResponse(method: string, path: string, response: IncomingResponse): unknown {
  const { status, text } = response;
  if (status < 200 || status > 299) {
    const parsed = parseJson(text);
    const error: CallControlRequestError = new CallFlowError(
      'provider-request-failed',
      `${method} ${path} answered ${status}: ${describeFailure(parsed, text)}`,
      { provider: 'telnyx' },
    );
    throw Object.assign(error, { status, error: parsed });
  }
  if (status === 204) return null;
  const mediaType = response.contentType.split(';')[0]?.trim() ?? '';
  if (!mediaType.includes('application/json') && !mediaType.endsWith('+json')) return text;
  if (text === '') return undefined;
  const parsed = parseJson(text);
  if (parsed === undefined)
    throw new CallFlowError('provider-request-failed', `${method} ${path} answered ${status} with a body that is not JSON`, {
      provider: 'telnyx',
    });
  return parsed;
}

/**
 * A Call Control client on node:http/node:https (or `fetch`), for the commands callflow sends: the same requests as the telnyx SDK's
 * `client.calls.actions.*` and `client.conferences.*` (POST, JSON body, `Authorization: Bearer`), without loading the
 * SDK. It makes one attempt per call (the executor retries, with the same `command_id`); the per-request `timeout`
 * (ms) aborts it.
 * @example
 * const handler = createTelnyxHandler({ flow, secret, publicKey, client: createCallControlClient({ apiKey: process.env.TELNYX_API_KEY! }) });
 */
export function createCallControlClient(options: CallControlClientOptions): TelnyxClient {
  const baseUrl = (options.baseUrl ?? 'https://api.telnyx.com/v2').replace(/\/+$/, '');
  const headers = { accept: 'application/json', authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };
  const getHeaders = { accept: headers.accept, authorization: headers.authorization };
  const load = options.fetch ? undefined : builtinModuleLoader();
  // globalThis.fetch is read at each request (a test or polyfill may set it later).
  const send = load ? nodeTransport(load) : fetchTransport(() => options.fetch ?? globalThis.fetch);

  async function post(
    path: string,
    body: unknown,
    requestOptions: TelnyxRequestOptions = {},
    method: 'POST' | 'GET' = 'POST',
  ): Promise<unknown> {
    const timeoutMs = requestOptions.timeout ?? defaultTimeoutMs;
    let response: IncomingResponse;
    try {
      response = await send({
        method,
        url: `${baseUrl}${path}`,
        headers: method === 'GET' ? getHeaders : headers,
        body: method === 'GET' ? undefined : JSON.stringify(body),
        timeoutMs,
      });
    } catch (cause) {
      const message =
        cause instanceof TimedOut
          ? `${method} ${path} timed out after ${timeoutMs} ms`
          : `${method} ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw new CallFlowError('provider-request-failed', message, { provider: 'telnyx', cause });
    }
    return handleResponse(method, path, response);
  }

  const actions = {} as Record<
    keyof TelnyxCallActions,
    (callControlId: string, body: object, requestOptions?: TelnyxRequestOptions) => Promise<unknown>
  >;
  for (const [method, action] of Object.entries(callActions) as Array<[keyof TelnyxCallActions, string]>) {
    actions[method] = async (callControlId, body, requestOptions) =>
      post(`/calls/${pathSegment(callControlId)}/actions/${action}`, body, requestOptions);
  }
  // provider: the SDK's call_control_id_to_bridge_with is call_control_id on the wire (telnyx SDK resources/calls/actions.js
  // bridge; BridgeRequest in https://developers.telnyx.com/api-reference/call-commands/bridge-calls).
  actions.bridge = async (callControlId, body, requestOptions) => {
    const { call_control_id_to_bridge_with: other, ...rest } = body as { call_control_id_to_bridge_with: string };
    return post(`/calls/${pathSegment(callControlId)}/actions/bridge`, { call_control_id: other, ...rest }, requestOptions);
  };
  return {
    calls: {
      actions,
      dial: (body, requestOptions) => post('/calls', body, requestOptions) as Promise<{ data?: { call_control_id?: string } }>,
    },
    conferences: {
      create: (body, requestOptions) => post('/conferences', body, requestOptions) as Promise<{ data?: { id?: string } }>,
      actions: {
        join: async (conferenceId, body, requestOptions) =>
          post(`/conferences/${pathSegment(conferenceId)}/actions/join`, body, requestOptions),
        // provider: POST /conferences/{id}/actions/mute and /leave (telnyx SDK resources/conferences/actions.js).
        mute: async (conferenceId, body, requestOptions) =>
          post(`/conferences/${pathSegment(conferenceId)}/actions/mute`, body, requestOptions),
        leave: async (conferenceId, body, requestOptions) =>
          post(`/conferences/${pathSegment(conferenceId)}/actions/leave`, body, requestOptions),
      },
      // provider: GET /conferences/{id}/participants, the query encoded as the SDK's qs does (resources/conferences/conferences.js).
      listParticipants: (conferenceId, query, requestOptions) => {
        const search = new URLSearchParams(Object.entries(query ?? {}).map(([key, value]) => [key, String(value)])).toString();
        return post(
          `/conferences/${pathSegment(conferenceId)}/participants${search ? `?${search}` : ''}`,
          undefined,
          requestOptions,
          'GET',
        ) as Promise<{ data?: Array<{ call_control_id?: string }> }>;
      },
    },
    // provider: GET /queues/{queue_name} and GET /queues/{queue_name}/calls/{call_control_id} (telnyx SDK resources/queues/queues.js, calls.js).
    queues: {
      retrieve: (queueName, requestOptions) =>
        post(`/queues/${pathSegment(queueName)}`, undefined, requestOptions, 'GET') as Promise<{
          data?: { average_wait_time_secs?: number };
        }>,
      calls: {
        retrieve: (callControlId, params, requestOptions) =>
          post(
            `/queues/${pathSegment(params.queue_name)}/calls/${pathSegment(callControlId)}`,
            undefined,
            requestOptions,
            'GET',
          ) as Promise<{ data?: { queue_position?: number; wait_time_secs?: number } }>,
      },
    },
  };
}
