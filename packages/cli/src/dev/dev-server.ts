import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { GatherStep } from '@callflow/core';
import {
  simulatedProviders,
  startInteractiveCall,
  type CallerAction,
  type CallOutcomes,
  type InteractiveCall,
  type SimulatedProvider,
} from '@callflow/testing';
import { flowSvgStyle } from '../render-flow-svg.js';
import { hoursReport } from './hours-report.js';
import { watchFlow, type WatchedFlowState } from './watch-flow.js';

/** Options of the dev console server. */
export interface DevServerOptions {
  flowPath: string;
  /** Port on 127.0.0.1; default 0, a free port. */
  port?: number;
}

/** A running dev console. */
export interface DevServer {
  url: string;
  /** Reloads the flow now (the watcher does it on save). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

const assetTypes: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The page's files: beside this module in the source tree, under dev/page in the built package. */
function pageFolder(): string {
  // The CommonJS build has no import.meta.url: there the bundle's own folder is __dirname.
  const here = typeof import.meta.url === 'string' ? new URL('.', import.meta.url) : pathToFileURL(`${__dirname}/`);
  const candidates = [new URL('./page/', here), new URL('./dev/page/', here)];
  for (const candidate of candidates) if (existsSync(new URL('index.html', candidate))) return fileURLToPath(candidate);
  throw new Error('callflow dev: the console page files are missing from this install');
}

const transferStatuses = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
const queueResults = ['bridged', 'timeout', 'hangup', 'left'] as const;
const recordingOutcomes = ['message', 'hangup'] as const;
const conferenceOutcomes = ['ended', 'hangup'] as const;

class BadRequest extends Error {}

function outcomesOf(value: unknown): Partial<CallOutcomes> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new BadRequest('outcomes must be an object');
  const input = value as Record<string, unknown>;
  const out: Partial<CallOutcomes> = {};
  const pick = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const chosen = input[name];
    if (chosen === undefined) return undefined;
    if (typeof chosen !== 'string' || !(allowed as readonly string[]).includes(chosen))
      throw new BadRequest(`outcomes.${name} must be one of ${allowed.join(', ')}`);
    return chosen as T;
  };
  const transfer = pick('transfer', transferStatuses);
  const queue = pick('queue', queueResults);
  const recording = pick('recording', recordingOutcomes);
  const conference = pick('conference', conferenceOutcomes);
  if (transfer) out.transfer = transfer;
  if (queue) out.queue = queue;
  if (recording) out.recording = recording;
  if (conference) out.conference = conference;
  return out;
}

function actionOf(value: unknown): CallerAction {
  if (typeof value !== 'object' || value === null)
    throw new BadRequest('send { digits } , { speech }, { silence: true } or { hangup: true }');
  const input = value as Record<string, unknown>;
  if (typeof input.digits === 'string') {
    if (!/^[0-9*#]{1,32}$/.test(input.digits)) throw new BadRequest('digits are 0-9, * and # (at most 32)');
    return input.digits;
  }
  if (typeof input.speech === 'string') {
    const speech = input.speech.trim();
    if (!speech || speech.length > 500) throw new BadRequest('speech is 1 to 500 characters');
    return { speech };
  }
  if (input.silence === true) return { silence: true };
  if (input.hangup === true) return { hangup: true };
  throw new BadRequest('send { digits } , { speech }, { silence: true } or { hangup: true }');
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new BadRequest('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body is not JSON');
  }
}

interface ConsoleCall {
  id: string;
  call: InteractiveCall;
  flowVersion: number;
  at?: string;
}

/**
 * Starts the dev console for a flow file: a page on 127.0.0.1 with the laid-out graph, a softphone that places calls
 * through the providers' emulators, each turn's documents, a business-hours clock, and live reload on save.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const folder = pageFolder();
  const listeners = new Set<ServerResponse>();
  const calls = new Map<string, ConsoleCall>();
  let callCount = 0;
  const watcher = await watchFlow(options.flowPath, (state) => {
    for (const listener of listeners)
      listener.write(`event: flow\ndata: ${JSON.stringify({ version: state.version, broken: state.broken })}\n\n`);
  });

  function statePayload(state: WatchedFlowState) {
    return {
      version: state.version,
      path: state.path,
      broken: state.broken,
      loadedAt: state.loadedAt,
      problems: state.problems,
      flow: state.good
        ? {
            name: state.good.flow.name,
            start: state.good.flow.start,
            svg: state.good.svg,
            nodes: state.good.graph.nodes.map((node) => ({ id: node.id, unreachable: node.unreachable, problems: node.problems })),
            problems: state.good.graph.problems,
            schedules: Object.keys(state.good.flow.schedules ?? {}),
          }
        : null,
    };
  }

  function gatherOf(consoleCall: ConsoleCall): { node: string; input: string; numDigits?: number; finishOnKey: string } | undefined {
    const { call } = consoleCall;
    if (!call.waiting) return undefined;
    const node = call.visited.at(-1);
    const flow = watcher.state().good?.flow;
    const steps = node && flow ? flow.nodes[node] : undefined;
    const gather = Array.isArray(steps) ? (steps.find((step) => step.type === 'gather') as GatherStep | undefined) : undefined;
    if (!node || !gather) return node ? { node, input: 'dtmf', finishOnKey: '#' } : undefined;
    return {
      node,
      input: gather.input ?? 'dtmf',
      ...(gather.numDigits ? { numDigits: gather.numDigits } : {}),
      finishOnKey: gather.finishOnKey ?? '#',
    };
  }

  function snapshot(consoleCall: ConsoleCall) {
    const { call } = consoleCall;
    return {
      id: consoleCall.id,
      provider: call.provider,
      flowVersion: consoleCall.flowVersion,
      at: consoleCall.at ?? null,
      waiting: call.waiting,
      ended: call.result !== undefined,
      endedBy: call.result?.endedBy ?? null,
      errors: call.result?.errors ?? [],
      current: call.visited.at(-1) ?? null,
      visited: call.visited,
      gather: gatherOf(consoleCall) ?? null,
      outcomes: call.outcomes,
      entries: call.entries,
      exchanges: call.exchanges,
    };
  }

  function send(response: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
    response.statusCode = status;
    response.setHeader('content-type', type);
    response.setHeader('cache-control', 'no-store');
    response.setHeader('x-content-type-options', 'nosniff');
    response.end(typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body));
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const host = request.headers.host ?? '';
    // Only this machine's own names: a page on another site cannot reach the console through DNS rebinding.
    if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host))
      return send(response, 403, { error: 'callflow dev answers only on 127.0.0.1' });
    if (method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      response.setHeader(
        'content-security-policy',
        "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'",
      );
      return send(response, 200, await readFile(`${folder}index.html`), assetTypes['index.html']);
    }
    const asset = /^\/assets\/(console\.js|console\.css)$/.exec(url.pathname)?.[1];
    if (method === 'GET' && asset) return send(response, 200, await readFile(`${folder}${asset}`), assetTypes[asset]);
    if (method === 'GET' && url.pathname === '/assets/flow.css') return send(response, 200, flowSvgStyle, assetTypes['console.css']);
    if (method === 'GET' && url.pathname === '/favicon.ico') return send(response, 204, '');
    if (method === 'GET' && url.pathname === '/api/state') return send(response, 200, statePayload(watcher.state()));
    if (method === 'GET' && url.pathname === '/api/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`event: flow\ndata: ${JSON.stringify({ version: watcher.state().version, broken: watcher.state().broken })}\n\n`);
      listeners.add(response);
      request.on('close', () => listeners.delete(response));
      return;
    }
    if (method === 'GET' && url.pathname === '/api/hours') {
      const at = url.searchParams.get('at');
      const instant = at ? Date.parse(at) : Date.now();
      if (Number.isNaN(instant)) throw new BadRequest(`'${at}' is not an ISO time`);
      const flow = watcher.state().good?.flow;
      return send(response, 200, { at: new Date(instant).toISOString(), hours: flow ? hoursReport(flow, instant) : [] });
    }
    if (method === 'POST' && url.pathname === '/api/calls') {
      const body = (await bodyOf(request)) as Record<string, unknown>;
      const provider = body.provider;
      if (typeof provider !== 'string' || !(simulatedProviders as readonly string[]).includes(provider))
        throw new BadRequest('provider must be twilio, vonage or telnyx');
      const at = typeof body.at === 'string' && body.at ? body.at : undefined;
      if (at !== undefined && Number.isNaN(Date.parse(at))) throw new BadRequest(`'${at}' is not an ISO time`);
      const state = watcher.state();
      if (!state.good) throw new BadRequest('the flow has not loaded yet: fix the problems shown first');
      for (const [id, previous] of calls) {
        // One call at a time in the page: the previous one is hung up.
        calls.delete(id);
        void previous.call.close();
      }
      const call = await startInteractiveCall({
        provider: provider as SimulatedProvider,
        flow: state.good.flow,
        ...(at ? { at } : {}),
        outcomes: outcomesOf(body.outcomes),
        hooks: new Proxy({}, { get: () => () => undefined }),
      });
      const consoleCall: ConsoleCall = { id: `call-${++callCount}`, call, flowVersion: state.version, ...(at ? { at } : {}) };
      calls.set(consoleCall.id, consoleCall);
      await call.ready();
      return send(response, 201, snapshot(consoleCall));
    }
    const callRoute = /^\/api\/calls\/([\w-]+)(?:\/(act|outcomes))?$/.exec(url.pathname);
    if (callRoute) {
      const consoleCall = calls.get(callRoute[1]!);
      if (!consoleCall) return send(response, 404, { error: `no call '${callRoute[1]}' (calls end when another starts)` });
      if (method === 'GET' && !callRoute[2]) return send(response, 200, snapshot(consoleCall));
      if (method === 'POST' && callRoute[2] === 'outcomes') {
        Object.assign(consoleCall.call.outcomes, outcomesOf(await bodyOf(request)));
        return send(response, 200, snapshot(consoleCall));
      }
      if (method === 'POST' && callRoute[2] === 'act') {
        const action = actionOf(await bodyOf(request));
        if (!consoleCall.call.waiting)
          throw new BadRequest(consoleCall.call.result ? 'the call has ended' : 'the call is not waiting for the caller');
        await consoleCall.call.act(action);
        return send(response, 200, snapshot(consoleCall));
      }
    }
    return send(response, 404, { error: `no route ${method} ${url.pathname}` });
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      if (error instanceof BadRequest) return send(response, 400, { error: error.message });
      send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    reload: () => watcher.reload(),
    async close() {
      watcher.close();
      for (const listener of listeners) listener.end();
      await Promise.all([...calls.values()].map((consoleCall) => consoleCall.call.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
