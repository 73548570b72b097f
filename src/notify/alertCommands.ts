import { InvalidArgumentError, type Command } from "commander";
import type { Config } from "../config/env.ts";
import { SecurityAlertService } from "../hub/alerts/securityAlert.service.ts";
import { operatorContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import type { PersonAuthPort } from "../hub/people/personAuth.port.ts";
import { CHANNEL_KINDS, type ChannelView } from "../hub/alerts/notifications.port.ts";
import { NotificationDispatcher } from "./notificationDispatcher.ts";
import type { NotificationService } from "./notification.service.ts";
import { CliExit } from "../cliIo.ts";

// One pass of delivery works the outbox of the notifier itself, not only what the hub's port offers.
type WithHub = <T>(work: (hub: Hub<PersonAuthPort, NotificationService>, config: Config) => Promise<T>) => Promise<T>;
type Print = (json: boolean, value: unknown, text: string) => void;

function describeChannel(c: ChannelView): string {
  const quiet = c.quietHours ? `, quiet ${c.quietHours} ${c.timeZone}` : "";
  return `${c.id}  ${c.kind.padEnd(8)} ${c.name} → ${c.destination}${c.secretHint ? ` [secret ${c.secretHint}]` : ""} (min ${c.minSeverity}${quiet})`;
}

/** `grantline alerts …`: a business's alert channels, its recent alerts, and one delivery pass. */
export function registerAlertCommands(program: Command, withHub: WithHub, print: Print): void {
  const alerts = program.command("alerts").description("Alert channels (Slack, email, WhatsApp, signed webhook) and the alerts sent through them.");
  const channel = alerts.command("channel").description("A business's alert channels.");

  channel
    .command("add")
    .description("Add a channel. Slack: --url. Email: --to. WhatsApp: --to, --phone-number-id, --token. Webhook: --url (prints its signing secret once).")
    .requiredOption("--business <id>", "business id")
    .requiredOption("--kind <kind>", CHANNEL_KINDS.join(" | "), (value) => {
      if (!(CHANNEL_KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${CHANNEL_KINDS.join(", ")}`);
      return value;
    })
    .option("--name <name>", "a name to recognise the channel by")
    .option("--url <url>", "Slack incoming-webhook URL, or the generic webhook's URL")
    .option("--to <to>", "email addresses (comma-separated), or the WhatsApp recipient's number")
    .option("--phone-number-id <id>", "WhatsApp: the sending phone number ID")
    .option("--token <token>", "WhatsApp: the Cloud API access token")
    .option("--base-url <url>", "WhatsApp: Cloud API base URL (default GRANTLINE_WHATSAPP_API_URL)")
    .option("--template <name>", "WhatsApp: send this approved template (two body parameters) instead of text")
    .option("--template-language <code>", "WhatsApp: the template's language", "en_US")
    .option("--min-severity <severity>", "info, warning or critical", "info")
    .option("--quiet-hours <span>", "e.g. 22:00-07:00: non-critical alerts wait and arrive as a digest")
    .option("--time-zone <tz>", "IANA time zone of the quiet hours", "UTC")
    .option("--json", "print one line of JSON")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      await withHub(async (hub) => {
        const { channel: view, signingSecret } = await hub.notifications.addChannel(operatorContext(), String(opts.business), {
          kind: opts.kind,
          name: opts.name,
          url: opts.url,
          to: opts.to,
          phoneNumberId: opts.phoneNumberId,
          token: opts.token,
          baseUrl: opts.baseUrl,
          template: opts.template,
          templateLanguage: opts.templateLanguage,
          minSeverity: opts.minSeverity,
          quietHours: opts.quietHours,
          timeZone: opts.timeZone,
        });
        const lines = [`Channel added: ${describeChannel(view)}`];
        if (signingSecret) lines.push(`Signing secret (shown once; receivers check X-Grantline-Signature with it): ${signingSecret}`);
        print(opts.json === true, signingSecret ? { channel: view, signing_secret: signingSecret } : { channel: view }, lines.join("\n"));
      });
    });

  channel
    .command("list")
    .description("The business's channels, secrets masked.")
    .requiredOption("--business <id>", "business id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { business: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const channels = await hub.notifications.listChannels(operatorContext(), opts.business);
        print(opts.json === true, { channels }, channels.length === 0 ? "No alert channels." : channels.map(describeChannel).join("\n"));
      });
    });

  channel
    .command("remove")
    .description("Remove a channel; messages still queued for it fail.")
    .requiredOption("--business <id>", "business id")
    .requiredOption("--channel <id>", "channel id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { business: string; channel: string; json?: boolean }) => {
      await withHub(async (hub) => {
        await hub.notifications.removeChannel(operatorContext(), opts.business, opts.channel);
        print(opts.json === true, { success: true }, `Channel ${opts.channel} removed.`);
      });
    });

  channel
    .command("test")
    .description("Send a test message through a channel now (exit 6 if it fails).")
    .requiredOption("--business <id>", "business id")
    .requiredOption("--channel <id>", "channel id")
    .option("--json", "print one line of JSON")
    .action(async (opts: { business: string; channel: string; json?: boolean }) => {
      await withHub(async (hub) => {
        const outcome = await hub.notifications.testChannel(operatorContext(), opts.business, opts.channel);
        print(opts.json === true, outcome, outcome.ok ? `Test message delivered through ${opts.channel}.` : `Test message NOT delivered: ${outcome.error}`);
        if (!outcome.ok) throw new CliExit(6);
      });
    });

  alerts
    .command("list")
    .description("The business's recent alerts with their delivery status per channel.")
    .requiredOption("--business <id>", "business id")
    .option("--limit <n>", "how many", (value) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError("a whole number from 1 to 500");
      return n;
    }, 50)
    .option("--json", "print one line of JSON")
    .action(async (opts: { business: string; limit: number; json?: boolean }) => {
      await withHub(async (hub) => {
        const list = await hub.notifications.listAlerts(operatorContext(), opts.business, opts.limit);
        const lines = list.map(
          (a) =>
            `${new Date(a.createdAt).toISOString()} [${a.severity}] ${a.kind}: ${a.title}${a.repeats > 0 ? ` (+${a.repeats} repeats)` : ""}` +
            (a.evidence.length > 0 ? `\n    audit entries ${a.evidence.map((s) => `#${s}`).join(", ")}` : "") +
            a.deliveries.map((d) => `\n    → ${d.channelId}: ${d.status}${d.heldReason ? ` (${d.heldReason})` : ""}${d.lastError ? ` — ${d.lastError}` : ""}`).join(""),
        );
        print(opts.json === true, { alerts: list }, lines.length === 0 ? "No alerts." : lines.join("\n"));
      });
    });

  alerts
    .command("run")
    .description("One pass without the server: judge new audit entries for security alerts, then send what is due.")
    .option("--json", "print one line of JSON")
    .action(async (opts: { json?: boolean }) => {
      await withHub(async (hub, config) => {
        const security = await new SecurityAlertService(hub, { ...config.alerts, publicUrl: config.publicUrl }).drain();
        const sent = await new NotificationDispatcher(hub.notifications).runOnce();
        print(
          opts.json === true,
          { security, delivery: sent },
          `Read ${security.processed} audit entries: ${security.raised} alert(s) raised, ${security.deduplicated} repeat(s) counted. ` +
            `Sent ${sent.delivered}, retrying ${sent.retrying}, failed ${sent.failed}, ${sent.digests} digest(s) made.`,
        );
      });
    });
}
