/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping order. If a call
 * rejects, so does the whole (calls already started still finish their work).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * {@link mapLimit} for work the caller undoes when a call fails: after the first rejection no
 * further call starts, and the promise rejects (with that first error) only once every call
 * already started has ended, so the undo sees everything that was done.
 */
export async function mapLimitSettled<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  let failure: { readonly error: unknown } | undefined;
  const results = await mapLimit(items, limit, async (item, index) => {
    if (failure !== undefined) return undefined;
    try {
      return await fn(item, index);
    } catch (error) {
      failure ??= { error };
      return undefined;
    }
  });
  if (failure !== undefined) throw failure.error;
  return results as R[];
}
