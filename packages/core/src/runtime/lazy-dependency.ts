import { CallFlowError } from '../errors.js';

declare const __CALLFLOW_BUNDLED__: boolean | undefined;

/** A dependency kept in its own chunk: loaded the first time it is needed, so code that never needs it never pays for it. */
export interface LazyDependency<T> {
  /** The module if it has been loaded, else undefined. */
  loaded(): T | undefined;
  /** Loads the module's chunk once (by `require` on Node, else a dynamic `import()`); later calls share the same promise. */
  load(): Promise<T>;
  /**
   * The module now, for synchronous callers: loaded on Node by `require` if `load()` has not resolved yet; on a runtime
   * without `process.getBuiltinModule` (Workers, browsers), or where the package was bundled again, it throws until
   * `load()` has resolved.
   */
  now(): T;
}

/**
 * The chunk's exports from what its `import()` gave: the published chunks are CommonJS files, and a bundler that splits
 * one out (esbuild for a Worker) hands back a namespace whose `default` is their `module.exports`; an ES module chunk
 * (from source) has no `default`, its namespace is the module.
 */
function moduleOf<T>(namespace: T): T {
  return (namespace as { default?: T }).default ?? namespace;
}

/**
 * A dependency in its own chunk. `chunk` name: the published bundle's file for it (`dist/<chunk>.js`, a tsup entry in
 * packages/core/tsup.config.ts); when running from source (tests, tsx), `linked`: the chunk's module from
 * runtime/linked-chunks.ts (read when first needed, as modules may import each other), or `source`: a package Node requires; `load`: a literal `import()` of the chunk's source
 * module, which bundlers (tsup for the package, esbuild for a Worker) split out of the main bundle; `preload`: the name
 * of the public function that loads it, for the error a Worker gets when it did not.
 */
export function lazyDependency<T>(options: {
  chunk: string;
  linked?: () => T | undefined;
  source?: string;
  load: () => Promise<T>;
  preload: string;
}): LazyDependency<T> {
  let module: T | undefined;
  let loading: Promise<T> | undefined;
  /**
   * The module through `require`, where the runtime has it and the chunk sits where the published bundle puts it; else
   * undefined. On Node every load goes this way: a `require` of an ES module that an `import()` is still loading throws
   * (ERR_INTERNAL_ASSERTION, "not yet fully loaded"), so the two must never race.
   */
  function required(): T | undefined {
    const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const nodeModule = builtin?.('node:module') as { createRequire(url: string): (id: string) => unknown } | undefined;
    if (!nodeModule) return undefined;
    // From source the chunk is linked (a TypeScript module cannot be required), and taken where a require would work.
    const linked = options.linked?.();
    if (linked !== undefined) return linked;
    // The published bundle requires its own chunk (require of an ES module, Node ≥ 20.19); from source, the package.
    const id = typeof __CALLFLOW_BUNDLED__ !== 'undefined' ? `./${options.chunk}.js` : options.source;
    if (id === undefined) return undefined;
    try {
      return nodeModule.createRequire(import.meta.url)(id) as T;
    } catch {
      // Not there: the package was bundled again (a Lambda built with esbuild), so the chunk has another name; import() finds it.
      return undefined;
    }
  }
  return {
    loaded: () => module,
    load() {
      if (module !== undefined) return Promise.resolve(module);
      loading ??= Promise.resolve()
        .then(() => required() ?? options.load().then(moduleOf))
        .then(
          (loadedModule) => (module ??= loadedModule),
          (error: unknown) => {
            // A failed load (a missing chunk, a network error in a browser) is tried again by the next caller.
            loading = undefined;
            throw error;
          },
        );
      return loading;
    },
    now() {
      if (module !== undefined) return module;
      const loadedModule = required();
      if (loadedModule === undefined) {
        throw new CallFlowError(
          'missing-package',
          `${options.chunk} is a chunk of its own, loaded on first use, and this runtime cannot load it synchronously (no Node require, or the package was bundled again): call \`await ${options.preload}()\` once before using it synchronously`,
        );
      }
      module = loadedModule;
      return module;
    },
  };
}
