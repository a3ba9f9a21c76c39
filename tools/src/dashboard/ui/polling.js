// Refreshes without a reload: one request at a time, the next one a few seconds after the last
// answer, none while the tab is hidden (and one at once when it shows again).
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

const POLL_MS = 2500;

/**
 * @template T
 * @param {() => Promise<T>} load
 * @param {unknown[]} deps what `load` reads: a change starts over (and drops answers to the old ones)
 * @param {{ intervalMs?: number }} [options]
 * @returns {{ data: T | undefined, error: Error | undefined, updatedAt: Date | undefined, refresh: () => void }}
 */
export function usePolling(load, deps, options = {}) {
  const intervalMs = options.intervalMs ?? POLL_MS;
  const [state, setState] = useState(
    /** @type {{ data: T | undefined, error: Error | undefined, updatedAt: Date | undefined }} */ ({
      data: undefined,
      error: undefined,
      updatedAt: undefined,
    }),
  );
  const refreshRef = useRef(() => {});

  useEffect(() => {
    let stopped = false;
    let running = false;
    // A refresh asked for while a request runs (after an action): one more as soon as it ends.
    let again = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    // New deps (another filter) keep the last answer on screen until the new one comes, rather
    // than blanking the page; pages of another queue or job are keyed, so they start empty.

    const schedule = () => {
      clearTimeout(timer);
      if (!stopped && !document.hidden) timer = setTimeout(tick, intervalMs);
    };
    const tick = async () => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      again = false;
      clearTimeout(timer);
      try {
        const data = await load();
        if (!stopped) setState({ data, error: undefined, updatedAt: new Date() });
      } catch (error) {
        // The last good data stays on screen, with the error beside it.
        if (!stopped) setState((old) => ({ ...old, error: /** @type {Error} */ (error) }));
      } finally {
        running = false;
        if (again) tick();
        else schedule();
      }
    };
    const onVisibility = () => {
      if (document.hidden) clearTimeout(timer);
      else tick();
    };
    refreshRef.current = tick;
    document.addEventListener("visibilitychange", onVisibility);
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, deps);

  const refresh = useCallback(() => refreshRef.current(), []);
  return { ...state, refresh };
}
