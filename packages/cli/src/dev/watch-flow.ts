import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { validateFlow, type Flow, type Problem } from '@callflow/core';
import { flowGraph, type FlowGraph } from '../flow-graph.js';
import { loadFlow } from '../load-flow.js';
import { layoutFlowGraph, renderFlowSvg } from '../render-flow-svg.js';

/** A flow that loaded, drawn. */
export interface LoadedFlow {
  flow: Flow;
  graph: FlowGraph;
  svg: string;
  problems: Problem[];
}

/** The file as last read: its problems, and the last flow that loaded (kept usable while the file is broken). */
export interface WatchedFlowState {
  /** Bumped on every reload, good or bad. */
  version: number;
  path: string;
  /** The last flow that loaded; undefined until one does. */
  good?: LoadedFlow;
  /** True when the file as it is now does not load (then `problems` says why and `good` is the previous flow). */
  broken: boolean;
  /** The problems of the file as it is now (errors when broken, warnings otherwise). */
  problems: Problem[];
  loadedAt: string;
}

/** Loads a flow as the CLI loads it and draws it; never throws (a load failure becomes one problem). */
export async function loadAndDraw(path: string): Promise<{ loaded?: LoadedFlow; problems: Problem[] }> {
  try {
    const result = await loadFlow(path);
    if (!result.ok || !result.flow) return { problems: result.problems };
    const problems = result.problems.length ? result.problems : validateFlow(result.flow).problems;
    const graph = flowGraph(result.flow, problems);
    return {
      loaded: { flow: result.flow, graph, svg: renderFlowSvg(graph, { layout: layoutFlowGraph(graph), interactive: true }), problems },
      problems,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /:(\d+):\d+/.exec(message)?.[1] ?? /line (\d+)/.exec(message)?.[1];
    return { problems: [{ path: '', message, severity: 'error', ...(line ? { line: Number(line) } : {}) }] };
  }
}

/**
 * Loads a flow file and reloads it whenever it is saved (the folder is watched, so editors that replace the file on
 * save are seen), calling `onChange` after each reload.
 */
export async function watchFlow(
  path: string,
  onChange: (state: WatchedFlowState) => void,
): Promise<{ state: () => WatchedFlowState; reload: () => Promise<void>; close: () => void }> {
  const absolute = resolve(path);
  let state: WatchedFlowState = { version: 0, path, broken: true, problems: [], loadedAt: new Date().toISOString() };
  let running: Promise<void> | undefined;
  let again = false;
  async function reload(): Promise<void> {
    if (await running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        const { loaded, problems } = await loadAndDraw(absolute);
        state = {
          version: state.version + 1,
          path,
          good: loaded ?? state.good,
          broken: !loaded,
          problems,
          loadedAt: new Date().toISOString(),
        };
        onChange(state);
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  }
  await reload();
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(absolute), (_event, name) => {
      if (name && name.toString() !== basename(absolute)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 80);
    });
  } catch {
    watcher = undefined;
  }
  return {
    state: () => state,
    reload,
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
