import { GrantlineError } from "../../errors.ts";
import { BackgroundLoop } from "../../jobs/backgroundLoop.ts";
import type { Hub } from "../hub.ts";
import * as repo from "./securityAlert.repository.ts";
import { SecurityRules, type SecurityRuleSettings } from "./securityRules.ts";

export interface SecurityAlertRun {
  /** Audit entries read in this run. */
  processed: number;
  /** Alerts raised (after deduplication: repeats are counted, not raised). */
  raised: number;
  deduplicated: number;
  /** Alerts the notifier refused (reported through onSkipped). */
  skipped: number;
  /** The last audit entry handled. */
  lastSeq: number;
}

/**
 * Security alerts derived from the audit log after commit. Each run takes the shared cursor in a
 * transaction, reads the next audit entries, raises the alerts they call for and moves the cursor,
 * all in that one transaction: with any number of instances, each entry is judged exactly once,
 * and a crash mid-run leaves the cursor where it was. Only committed changes reach the log, so a
 * rolled-back change never raises an alert.
 */
export class SecurityAlertService {
  private readonly rules: SecurityRules;

  constructor(
    private readonly hub: Pick<Hub, "store" | "engine" | "notifications" | "now">,
    private readonly settings: SecurityRuleSettings & { batchSize?: number; onSkipped?: (seq: number, error: Error) => void },
  ) {
    this.rules = new SecurityRules(hub.engine, settings);
  }

  async runOnce(): Promise<SecurityAlertRun> {
    // Names and roles the rules read come from the engine: bring it up to date with other instances.
    await this.hub.engine.catchUp();
    const batch = this.settings.batchSize ?? 500;
    return this.hub.store.db.transaction().execute(async (trx) => {
      const now = this.hub.now();
      const from = await repo.lockCursor(trx, now);
      const entries = await repo.auditEntriesAfter(trx, from, batch);
      const run: SecurityAlertRun = { processed: entries.length, raised: 0, deduplicated: 0, skipped: 0, lastSeq: from };
      for (const entry of entries) {
        for (const alert of await this.rules.evaluate(trx, entry)) {
          try {
            const outcome = await this.hub.notifications.raise(alert, trx);
            if (outcome.deduplicated) run.deduplicated += 1;
            else run.raised += 1;
          } catch (error) {
            // An alert the notifier refuses (its business is gone, say) is reported and skipped:
            // one bad entry must not stop every later one from being judged.
            if (!(error instanceof GrantlineError)) throw error;
            this.settings.onSkipped?.(entry.seq, error);
            run.skipped += 1;
          }
        }
        run.lastSeq = Number(entry.seq);
      }
      if (entries.length > 0) await repo.advanceCursor(trx, run.lastSeq);
      await repo.pruneDenials(trx, now - this.settings.deniedWindowMs * 2);
      return run;
    });
  }

  /** Runs until the cursor reaches the end of the log (for the CLI and tests). */
  async drain(): Promise<SecurityAlertRun> {
    const total: SecurityAlertRun = { processed: 0, raised: 0, deduplicated: 0, skipped: 0, lastSeq: 0 };
    for (;;) {
      const run = await this.runOnce();
      total.processed += run.processed;
      total.raised += run.raised;
      total.deduplicated += run.deduplicated;
      total.skipped += run.skipped;
      total.lastSeq = run.lastSeq;
      if (run.processed < (this.settings.batchSize ?? 500)) return total;
    }
  }
}

/** The background poller: one run every `intervalMs`, at once again while a full batch came back. */
export class SecurityAlertPoller {
  private readonly loop: BackgroundLoop;

  constructor(service: SecurityAlertService, options: { intervalMs: number; batchSize?: number; onError?: (error: unknown) => void }) {
    const batch = options.batchSize ?? 500;
    this.loop = new BackgroundLoop(async () => (await service.runOnce()).processed >= batch, options.intervalMs, options.onError);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
