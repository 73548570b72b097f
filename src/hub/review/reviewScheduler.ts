import type { Mailer } from "../../mail/mailer.ts";
import type { ReviewCampaignView, DueReminder, ReviewCampaignService } from "./reviewCampaign.service.ts";

export interface ReviewSchedulerOptions {
  /** How often to look for due campaigns and reminders (default hourly). */
  intervalMs?: number;
  /** Days between reminders of one campaign's open items (default 7). */
  remindEveryDays?: number;
  /** Sends each reminder to the campaign's reviewers by email; without it reminders are only recorded. */
  mailer?: Mailer;
  /** Address of the hub, named in reminder emails. */
  publicUrl?: string;
  onError?: (error: unknown) => void;
}

/**
 * The background job of access reviews: starts the quarterly campaigns that are due and reminds
 * reviewers of open items. Every instance may run it; the store decides who does each piece (a
 * campaign's slot key is unique, a reminder is claimed before it is sent), so nothing happens twice.
 */
export class ReviewScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly campaigns: ReviewCampaignService,
    private readonly now: () => number,
    private readonly options: ReviewSchedulerOptions = {},
  ) {}

  /** One pass: due campaigns started, due reminders sent. */
  async runOnce(): Promise<{ started: ReviewCampaignView[]; reminders: DueReminder[] }> {
    const now = this.now();
    const started = await this.campaigns.scheduleDue(now);
    const mailer = this.options.mailer;
    const reminders = await this.campaigns.remindDue(now, {
      everyDays: this.options.remindEveryDays ?? 7,
      ...(mailer ? { send: (reminder: DueReminder) => this.mail(mailer, reminder) } : {}),
    });
    return { started, reminders };
  }

  start(): void {
    this.stop();
    const tick = () => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async mail(mailer: Mailer, reminder: DueReminder): Promise<void> {
    const { campaign } = reminder;
    for (const reviewer of reminder.reviewers) {
      await mailer.send({
        to: reviewer.email,
        subject: `Access review: ${reminder.open_items} item(s) wait for your decision`,
        text: [
          `Hello ${reviewer.name},`,
          "",
          `The access review "${campaign.name}" has ${reminder.open_items} open item(s) of ${campaign.items}. It is due ${campaign.due_at ?? "soon"}; when it closes, open items are ${campaign.close_policy === "revoke" ? "revoked" : "skipped"}.`,
          "",
          `Certify, downgrade or revoke each one: review campaign ${campaign.id}${this.options.publicUrl ? ` on ${this.options.publicUrl}` : ""}.`,
        ].join("\n"),
        headers: { "X-Grantline-Review-Campaign": campaign.id },
      });
    }
  }
}
