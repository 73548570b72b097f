import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrantlineError } from "../../src/errors.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import type { MailMessage, Mailer, SentMail } from "../../src/mail/mailer.ts";
import { buildBusiness, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

const DAY = 86_400_000;
const TTL_DAYS = 7;

type Op = { kind: "invite" } | { kind: "resend" } | { kind: "cancel" } | { kind: "wait"; days: number } | { kind: "accept"; pick: number };

/** One address's invitations as the rules say they behave: rows, each with its current link. */
interface Model {
  rows: { id: string; status: "pending" | "accepted" | "cancelled"; expiresAt: number; token: string }[];
  hasAccount: boolean;
}

type LinkOutcome = "ok" | "used" | "cancelled" | "expired" | "unknown";

function expected(model: Model, token: string, now: number): LinkOutcome {
  const row = model.rows.find((r) => r.token === token);
  if (!row) return "unknown";
  if (row.status === "accepted") return "used";
  if (row.status === "cancelled") return "cancelled";
  return row.expiresAt > now ? "ok" : "expired";
}

const TITLES: Record<string, LinkOutcome> = {
  "Invitation already used": "used",
  "Invitation cancelled": "cancelled",
  "Invitation expired": "expired",
  "Invitation link not valid": "unknown",
};

class KeptMail implements Mailer {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage): Promise<SentMail> {
    this.sent.push(message);
    return { messageId: String(this.sent.length), deliveredTo: "memory" };
  }
  close(): void {}
}

const tokenOf = (mail: MailMessage) => /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

/**
 * Any sequence of invite, resend, cancel, waiting and accepting a link (any link ever mailed):
 * exactly the newest link of a pending, unexpired invitation works, once, and every other link
 * reports what became of it, as the reference model above says.
 */
describe.each(DIALECTS)("invitation links against a reference model on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let acme: TestBusiness;
  const clock = new TestClock();
  const mail = new KeptMail();
  let run = 0;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(clock, { invitations: { ttlDays: TTL_DAYS } });
    hub.invitations.deliverLinksVia({ publicUrl: () => "https://hub.example.test", mailer: mail });
    acme = await buildBusiness(hub, "Acme");
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const outcomeOf = async (work: Promise<unknown>): Promise<LinkOutcome | string> => {
    try {
      await work;
      return "ok";
    } catch (error) {
      const e = error as GrantlineError;
      if (e.id !== "INVITATION_LINK_INVALID") return e.id;
      return TITLES[e.toGraph().error_user_title ?? ""] ?? "?";
    }
  };

  it("only the newest link of a live invitation works, once", async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: "invite" }),
      fc.constant<Op>({ kind: "resend" }),
      fc.constant<Op>({ kind: "cancel" }),
      fc.integer({ min: 1, max: 5 }).map<Op>((days) => ({ kind: "wait", days })),
      fc.nat(20).map<Op>((pick) => ({ kind: "accept", pick })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const email = `p${++run}@${dialect}.example`;
        const model: Model = { rows: [], hasAccount: false };
        const mailed: string[] = [];
        const pending = () => model.rows.find((r) => r.status === "pending");
        const newMail = () => {
          const token = tokenOf(mail.sent.at(-1)!);
          mailed.push(token);
          return token;
        };
        for (const step of ops) {
          if (step.kind === "wait") clock.t += step.days * DAY;
          if (step.kind === "invite") {
            const result = await hub.invitations.invite(acme.admin.ctx, acme.id, { email });
            expect(result.added).toBe(model.hasAccount);
            if (!model.hasAccount) {
              const token = newMail();
              const row = pending();
              if (row) Object.assign(row, { token, expiresAt: clock.t + TTL_DAYS * DAY });
              else model.rows.push({ id: result.invitation!.id, status: "pending", expiresAt: clock.t + TTL_DAYS * DAY, token });
            }
          }
          if (step.kind === "resend" || step.kind === "cancel") {
            const row = pending();
            const target = row?.id ?? model.rows.at(-1)?.id;
            if (!target) continue;
            const call = step.kind === "resend" ? hub.invitations.resend(acme.admin.ctx, acme.id, target) : hub.invitations.cancel(acme.admin.ctx, acme.id, target);
            expect(await outcomeOf(call)).toBe(row ? "ok" : "NOT_PENDING");
            if (row && step.kind === "resend") Object.assign(row, { token: newMail(), expiresAt: clock.t + TTL_DAYS * DAY });
            if (row && step.kind === "cancel") row.status = "cancelled";
          }
          if (step.kind === "accept" && mailed.length > 0) {
            const token = mailed[step.pick % mailed.length]!;
            const want = expected(model, token, clock.t);
            const got = await outcomeOf(hub.auth.acceptInvitation(operatorContext(), { token, name: "Newcomer", password: "a long enough password", ip: "127.0.0.1" }));
            expect(got).toBe(want);
            if (want === "ok") {
              model.hasAccount = true;
              model.rows.find((r) => r.token === token)!.status = "accepted";
            }
          }
          // Every link ever mailed describes itself as the model says, without changing anything.
          for (const token of mailed) {
            expect(await outcomeOf(hub.invitations.describeLink(token))).toBe(expected(model, token, clock.t));
          }
        }
        const listed = await hub.invitations.listPending(acme.admin.ctx, acme.id);
        expect(listed.filter((i) => i.email === email).map((i) => i.id)).toEqual(model.rows.filter((r) => r.status === "pending").map((r) => r.id));
      }),
      { numRuns: dialect === "sqlite" ? 25 : 10 },
    );
  }, 300_000);
});
