import { BackgroundLoop } from "../jobs/backgroundLoop.ts";
import type { NotificationService } from "./notification.service.ts";

export interface NotificationDispatcherOptions {
  /** Wait between runs when nothing more was due. Default 1 s. */
  intervalMs?: number;
  /** Deliveries claimed and sent (concurrently) per run. Default 20. */
  batchSize?: number;
  /** How long a claim protects a row; after it another dispatcher takes over. Default 70 s. */
  leaseMs?: number;
  onError?: (error: unknown) => void;
}

export interface NotificationRunSummary {
  digests: number;
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/**
 * The notification outbox worker: turns held messages whose wait is over into digests, claims due
 * deliveries, sends each through its channel and records the outcome. Any number may run against
 * one store: held rows and deliveries are both taken with conditional UPDATEs.
 */
export class NotificationDispatcher {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly notifications: NotificationService,
    options: NotificationDispatcherOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.leaseMs ?? 70_000;
    this.loop = new BackgroundLoop(async () => (await this.runOnce()).claimed >= this.batchSize, options.intervalMs ?? 1000, options.onError);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass; tests pass `now` from their clock. */
  async runOnce(now?: number): Promise<NotificationRunSummary> {
    const at = () => now ?? this.notifications.now();
    const digests = await this.notifications.releaseHeld(at());
    const claims = await this.notifications.claimDue(at(), this.batchSize, this.leaseMs);
    const summary: NotificationRunSummary = { digests, claimed: claims.length, delivered: 0, retrying: 0, failed: 0 };
    await Promise.all(
      claims.map(async (claim) => {
        const outcome = await this.notifications.send(claim);
        const status = await this.notifications.finishAttempt(claim, outcome, at());
        if (status === "delivered") summary.delivered += 1;
        else if (status === "pending") summary.retrying += 1;
        else if (status === "failed") summary.failed += 1;
      }),
    );
    return summary;
  }
}
