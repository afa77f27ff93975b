import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { getToken, type Role } from "./api/client";

/** Load something async; `reload()` runs it again. Errors are kept for display. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    setLoading(true);
    return run()
      .then((value) => {
        setData(value);
        setError(null);
      })
      .catch((e: Error) => setError(e))
      .finally(() => setLoading(false));
  }, [run]);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, setData, error, loading, reload };
}

function subscribe(callback: () => void) {
  window.addEventListener("plenary-auth", callback);
  window.addEventListener("storage", callback);
  return () => {
    window.removeEventListener("plenary-auth", callback);
    window.removeEventListener("storage", callback);
  };
}

/** The token of a role, re-rendering when it changes (sign-in, sign-out, a 401). */
export function useToken(role: Role): string | null {
  return useSyncExternalStore(subscribe, () => getToken(role));
}

/** Run `tick` now and every `ms` while mounted (and while `active`). */
export function useInterval(tick: () => void, ms: number, active = true) {
  useEffect(() => {
    if (!active) return;
    tick();
    const id = window.setInterval(tick, ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}
