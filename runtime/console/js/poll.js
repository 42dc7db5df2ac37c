// Polling without overlap: the next call is scheduled when the previous one finished,
// so a slow node is never asked twice at once.

/**
 * Calls `fn` now and then `ms` after each completion until stop() is called. Errors go
 * to `onError` (the page shows them) and polling goes on.
 */
export function poll(fn, ms, onError = () => {}) {
  let stopped = false;
  let timer = null;
  const run = async () => {
    if (stopped) return;
    try {
      await fn();
      onError(null);
    } catch (e) {
      if (!stopped) onError(e);
    } finally {
      if (!stopped) timer = setTimeout(run, ms);
    }
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
