/**
 * A loader that runs `load` once and hands every caller the same promise; a load that fails is tried again by the
 * next caller. For an adapter's own chunks (code only some flows run, behind a literal `import()`).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (loading) return loading;
    const started = load();
    loading = started;
    started.catch(() => {
      if (loading === started) loading = undefined;
    });
    return started;
  };
}
