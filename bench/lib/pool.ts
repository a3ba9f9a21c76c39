/**
 * Runs `task(0..count-1)` with at most `concurrency` tasks in flight: a fixed set of workers each
 * taking the next index, so a slow task delays only its own worker.
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
