/** The retry policy of the leased outboxes (webhook deliveries and alert deliveries): owned by the outbox. */

/** Attempts per delivery before it is marked failed. */
export const MAX_DELIVERY_ATTEMPTS = 8;

const FIRST_RETRY_MS = 60_000;
const LONGEST_WAIT_MS = 60 * 60_000;

/**
 * How long to wait after failed attempt `attempt` (1-based): 1 minute, then doubling, at most an
 * hour — 1, 2, 4, 8, 16, 32, 60 minutes between the 8 attempts. There is no jitter: a row is claimed
 * before it is sent, so retries never collide, and receivers get a predictable schedule.
 */
export function retryDelayMs(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), LONGEST_WAIT_MS);
}
