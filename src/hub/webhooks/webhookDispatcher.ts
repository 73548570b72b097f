import { BackgroundLoop } from "../../jobs/backgroundLoop.ts";
import type { WebhookService } from "./webhook.service.ts";
import { postDelivery, type CallbackOutcome } from "./webhookCallback.client.ts";
import { SIGNATURE_HEADER, signatureOf } from "./webhookSignature.ts";

export interface WebhookDispatcherOptions {
  /** How long start() waits between looks for due deliveries when there was nothing more to send. Default 1 s. */
  intervalMs?: number;
  /** How long one attempt may take, connection to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Deliveries claimed and sent (concurrently) per run. Default 20. */
  batchSize?: number;
  /**
   * How long a claim protects a row. A dispatcher that dies mid-attempt leaves the row "delivering";
   * after the lease another takes it over. Default: the attempt timeout plus 60 s, measured on the
   * hub's clock.
   */
  leaseMs?: number;
  /** Called with an error a background run threw (the store went away, say); the loop carries on. */
  onError?: (error: unknown) => void;
}

export interface DispatchSummary {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/**
 * The delivery worker: claims due outbox rows, POSTs each body to the app's callback URL signed
 * with `X-Hub-Signature-256`, and records the outcome (delivered, retry after a backoff, or
 * failed). Any number of dispatchers may run against one store, in one process or many: every row
 * is claimed with a conditional UPDATE before it is sent.
 */
export class WebhookDispatcher {
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly loop: BackgroundLoop;

  constructor(
    private readonly webhooks: WebhookService,
    options: WebhookDispatcherOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 60_000;
    // A full batch suggests more is waiting; the loop goes again at once instead of after the interval.
    this.loop = new BackgroundLoop(async () => (await this.runOnce()).claimed >= this.batchSize, options.intervalMs ?? 1000, options.onError);
  }

  /** Delivers in the background until stop(). */
  start(): void {
    this.loop.start();
  }

  /** Stops the loop and waits for the run in progress, so no attempt is left half-recorded. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * One pass: claims what is due, sends it, records the outcomes. Tests pass `now` from their clock;
   * otherwise the hub's clock is read when claiming and again when recording each outcome.
   */
  async runOnce(now?: number): Promise<DispatchSummary> {
    const claims = await this.webhooks.claimDue(now ?? this.webhooks.now(), this.batchSize, this.leaseMs);
    const summary: DispatchSummary = { claimed: claims.length, delivered: 0, retrying: 0, failed: 0 };
    await Promise.all(
      claims.map(async (claim) => {
        const outcome: CallbackOutcome =
          "problem" in claim.target
            ? { ok: false, status: null, error: claim.target.problem }
            : await postDelivery(
                this.webhooks.outbound,
                claim.target.callbackUrl,
                claim.body,
                { [SIGNATURE_HEADER]: signatureOf(claim.target.signingSecret, claim.body), "X-Grantline-Delivery": claim.id },
                this.timeoutMs,
              );
        const status = await this.webhooks.finishAttempt(claim, outcome, now ?? this.webhooks.now());
        if (status === "delivered") summary.delivered += 1;
        else if (status === "pending") summary.retrying += 1;
        else if (status === "failed") summary.failed += 1;
      }),
    );
    return summary;
  }
}
