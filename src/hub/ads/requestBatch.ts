import type { RequestContext } from "../context.ts";

/** Reads all the ids of one batch at once, answering each id's value (ids without one may be left out). */
export type BatchRead<V> = (ids: readonly string[]) => Promise<ReadonlyMap<string, V>>;

interface Batch {
  ids: Set<string>;
  values: Promise<ReadonlyMap<string, unknown>>;
}

/** Batches under way, by request and by what they read (weakly held: gone with the request). */
const batchesByRequest = new WeakMap<RequestContext, Map<string, Batch>>();

const resolved = Promise.resolve();

/**
 * One id's value, read together with the other ids the same request asks for under the same
 * `kind` in the same turn. A nested expansion (`campaigns{adsets{insights}}`) reads each item's
 * edge on its own, all at once: without this each item would cost its own query (and, on
 * PostgreSQL, its own wait for a pooled connection); with it each level costs one.
 *
 * The batch is read once every read under way has gone as far as it can without the store: after
 * the pending promise jobs, as DataLoader schedules its batches. Every caller has done its own
 * authorization before asking, and a batch holds only one request's ids, so a batch never reads
 * for anyone what they could not read alone. `kind` must name everything the read depends on
 * besides the ids (filters, ranges, limits).
 */
export function readInBatch<V>(ctx: RequestContext, kind: string, id: string, read: BatchRead<V>): Promise<V | undefined> {
  let batches = batchesByRequest.get(ctx);
  if (!batches) batchesByRequest.set(ctx, (batches = new Map()));
  let batch = batches.get(kind);
  if (!batch) {
    const ids = new Set<string>();
    const started = new Promise<void>((resolve) => void resolved.then(() => process.nextTick(resolve)));
    const own = batches;
    const values = started.then(() => {
      // Ids asked for from here on start a batch of their own.
      if (own.get(kind) === batch) own.delete(kind);
      return read([...ids]);
    });
    batch = { ids, values };
    batches.set(kind, batch);
  }
  batch.ids.add(id);
  return batch.values.then((values) => values.get(id) as V | undefined);
}

/** The values of several ids, each read in its batch as `readInBatch` reads one; ids without a value are left out. */
export async function readEachInBatch<V>(ctx: RequestContext, kind: string, ids: readonly string[], read: BatchRead<V>): Promise<Map<string, V>> {
  const values = await Promise.all(ids.map((id) => readInBatch(ctx, kind, id, read)));
  const out = new Map<string, V>();
  for (const [i, id] of ids.entries()) if (values[i] !== undefined) out.set(id, values[i]);
  return out;
}
