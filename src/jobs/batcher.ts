// Runs the calls made during one turn of the event loop as one: under load, dozens of publish tasks claim or record
// at the same moment, and one statement for all of them costs Postgres a fraction of one statement each (one
// parse, one commit, one NOTIFY hand-off). When idle a batch is a single call, and waiting for the end of the
// turn (setImmediate) adds no measurable delay.
export type BatchRunner<I, O> = (items: I[]) => Promise<O[]>;

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * `run` gets the items of a batch and must return one result per item, in order. When a batch of several fails,
 * each item is run again on its own, so one bad item fails alone, as it would without batching. That is only
 * sound for statements that change nothing when they fail, as single statements do.
 */
export function createBatcher<I, O>(run: BatchRunner<I, O>, maxSize = 100): (item: I) => Promise<O> {
  let queue: Pending<I, O>[] = [];
  let scheduled = false;

  const settle = async (batch: Pending<I, O>[]) => {
    try {
      const results = await run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      for (const p of batch) {
        run([p.item]).then(
          (results) => p.resolve(results[0]),
          (e) => p.reject(e),
        );
      }
    }
  };

  const flush = () => {
    scheduled = false;
    const all = queue;
    queue = [];
    for (let i = 0; i < all.length; i += maxSize) void settle(all.slice(i, i + maxSize));
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
