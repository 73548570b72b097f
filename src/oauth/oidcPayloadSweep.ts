import type { Hub } from "../hub/hub.ts";
import { BackgroundLoop } from "../jobs/backgroundLoop.ts";
import { deleteExpiredPayloads } from "./oidcPayload.repository.ts";

/** Rows deleted per statement: small enough that a sweep never holds the table for long. */
export const SWEEP_BATCH_SIZE = 500;

/**
 * Deletes the authorization server's expired rows (codes, spent refresh tokens, sessions,
 * interactions, grants past their lifetime) in batches until none is left or `maxBatches` ran.
 * Safe on several instances at once: each delete only removes rows that are still expired.
 */
export async function sweepExpiredOidcPayloads(hub: Pick<Hub, "store" | "now">, options: { batchSize?: number; maxBatches?: number } = {}): Promise<{ deleted: number; more: boolean }> {
  const batchSize = options.batchSize ?? SWEEP_BATCH_SIZE;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const n = await deleteExpiredPayloads(hub.store.db, hub.now(), batchSize);
    deleted += n;
    if (n < batchSize) return { deleted, more: false };
  }
  return { deleted, more: true };
}

/** The serve loop: a few batches per run, again at once while more is waiting, else every `intervalMs`. */
export function oidcPayloadSweeper(hub: Pick<Hub, "store" | "now">, intervalMs: number, onError: (error: unknown) => void): BackgroundLoop {
  return new BackgroundLoop(async () => (await sweepExpiredOidcPayloads(hub, { maxBatches: 10 })).more, intervalMs, onError);
}
