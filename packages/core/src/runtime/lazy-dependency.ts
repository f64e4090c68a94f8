declare const __CALLFLOW_BUNDLED__: boolean | undefined;

/**
 * A dependency loaded on its first use, so a cold start that never needs it does not pay for it.
 * In the published bundle the dependency is inlined, and `bundled` loads it: a function of the caller whose body is
 * a literal `require('name')`, which esbuild turns into the inlined copy's lazy initialiser (so bundles for Workers
 * include it). From source (tests, tsx) the package comes from node_modules.
 */
export function lazyDependency<T>(name: string, bundled: () => unknown): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    if (typeof __CALLFLOW_BUNDLED__ !== 'undefined') {
      loaded = bundled() as T;
    } else {
      const { createRequire } = (
        globalThis as unknown as { process: { getBuiltinModule(id: string): { createRequire(url: string): (id: string) => unknown } } }
      ).process.getBuiltinModule('node:module');
      loaded = createRequire(import.meta.url)(name) as T;
    }
    return loaded;
  };
}
