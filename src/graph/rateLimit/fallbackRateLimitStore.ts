import { errors } from "../../errors.ts";
import type { RateLimitStore, WindowOutcome, WindowRequest } from "./rateLimitStore.ts";

export interface FallbackRateLimitStoreOptions {
  /** Longest wait for the primary store's answer. */
  timeoutMs: number;
  /** Whether the primary can take a call now (node-redis: `isReady`, false while it reconnects); default always. */
  isAvailable?: () => boolean;
  /**
   * Resolves once the primary answers again after it stalled (node-redis: PING). Without it, one call
   * every `probeEveryMs` tries the primary itself.
   */
  probe?: () => Promise<unknown>;
  /** How often a stalled primary is asked whether it answers again; default 1 s. */
  probeEveryMs?: number;
  /** Told when calls move to the fallback (with why) and back. */
  onChange?: (using: "primary" | "fallback", reason: string) => void;
  clock?: () => number;
}

/** Which store counts calls now, and why when it is the fallback. */
export interface FallbackState {
  using: "primary" | "fallback";
  reason?: string;
}

class PrimaryTimeout extends Error {}

/**
 * Keeps the Graph answering while the shared rate-limit store (Redis) is gone: calls are counted in
 * `fallback` (this instance's memory) for as long as the primary cannot take them, and in the
 * primary again as soon as it can. Meanwhile each instance enforces the limits on its own share of
 * the traffic only, so a caller spreading calls over N instances gets up to N times its quota; a
 * short outage of Redis costs that, not the API.
 *
 * - The primary is down (connection refused or lost, `isAvailable` false): the call goes to the
 *   fallback at once.
 * - The primary takes longer than `timeoutMs` (a stalled server): that call answers 503 (Graph code 2,
 *   retry-after 1 s) instead of waiting, since the store cannot tell whether it was counted; the
 *   following calls go to the fallback until a probe gets an answer.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  private stalled = false;
  private probing = false;
  private lastTry = 0;
  private current: FallbackState = { using: "primary" };
  private readonly clock: () => number;

  constructor(
    private readonly primary: RateLimitStore,
    private readonly fallback: RateLimitStore,
    private readonly options: FallbackRateLimitStoreOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  get state(): FallbackState {
    return this.current;
  }

  async apply(request: WindowRequest): Promise<WindowOutcome> {
    if (this.stalled && !this.probeDue()) return this.fallback.apply(request);
    if (this.options.isAvailable && !this.options.isAvailable()) {
      this.use("fallback", "not connected");
      return this.fallback.apply(request);
    }
    let outcome: WindowOutcome;
    try {
      outcome = await this.withTimeout(this.primary.apply(request));
    } catch (error) {
      if (error instanceof PrimaryTimeout) {
        this.stalled = true;
        this.lastTry = this.clock();
        this.use("fallback", `no answer within ${this.options.timeoutMs} ms`);
        throw errors.serviceUnavailable(1);
      }
      this.use("fallback", error instanceof Error ? error.message : String(error));
      return this.fallback.apply(request);
    }
    this.stalled = false;
    this.use("primary", "answering again");
    return outcome;
  }

  /** Whether this call should try the primary again; with a probe, the probe does and the call never waits. */
  private probeDue(): boolean {
    const now = this.clock();
    if (now - this.lastTry < (this.options.probeEveryMs ?? 1000)) return false;
    this.lastTry = now;
    const probe = this.options.probe;
    if (!probe) return true;
    if (!this.probing) {
      this.probing = true;
      this.withTimeout(probe())
        .then(() => {
          this.stalled = false;
        })
        .catch(() => undefined)
        .finally(() => {
          this.probing = false;
        });
    }
    return false;
  }

  private use(using: FallbackState["using"], reason: string): void {
    if (this.current.using === using) return;
    this.current = using === "primary" ? { using } : { using, reason };
    this.options.onChange?.(using, reason);
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PrimaryTimeout()), this.options.timeoutMs);
    });
    // The late answer of a call given up on is dropped, and so is its error.
    work.catch(() => undefined);
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
