/**
 * `make`, called on the first call and its promise shared by every later one until it fails: a
 * failure is not kept, so the next call tries again (an SDK that failed to load, a client whose
 * configuration could not be read yet).
 *
 * @example
 * const loadSdk = cachedUntilFailure(() => import("@aws-sdk/client-scheduler"));
 */
export function cachedUntilFailure<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
