import { SecretBox } from "../crypto/secretBox.ts";
import { AdCopyService } from "./ads/adCopy.service.ts";
import { AdImageService } from "./ads/adImage.service.ts";
import { AdPreviewService } from "./ads/adPreview.service.ts";
import { MediaLinks } from "./ads/mediaLinks.ts";
import { loadOrCreateSecretKey } from "../crypto/secretKey.ts";
import { openStore, type OpenStoreOptions, type Store } from "../store/database.ts";
import { AccessEngine } from "./access/accessEngine.ts";
import { AppGrantService } from "./apps/appGrant.service.ts";
import { AssetService } from "./assets/asset.service.ts";
import { AssignmentService } from "./assignments/assignment.service.ts";
import { AuditService } from "./audit/audit.service.ts";
import { BusinessService } from "./businesses/business.service.ts";
import { operatorContext, type RequestContext } from "./context.ts";
import { inOneTransaction, type HubDeps } from "./hubCommand.ts";
import { InvitationService, type InvitationOptions } from "./invitations/invitation.service.ts";
import { AdService } from "./ads/ad.service.ts";
import { AdCreativeService } from "./ads/adCreative.service.ts";
import { AdSetService } from "./ads/adSet.service.ts";
import { AdLabelService } from "./ads/adLabel.service.ts";
import { CampaignService } from "./ads/campaign.service.ts";
import { AdObjectReadModel } from "./ads/adObjectReadModel.ts";
import { InsightsService } from "./ads/insights.service.ts";
import { AdActivityService } from "./ads/adActivity.service.ts";
import { ReportRunService } from "./reports/reportRun.service.ts";
import { PartnerShareService } from "./partners/partnerShare.service.ts";
import { GuardrailService } from "./guardrails/guardrail.service.ts";
import { AccessReviewService } from "./review/accessReview.service.ts";
import { ReviewCampaignService } from "./review/reviewCampaign.service.ts";
import { FindingFixService } from "./review/findingFix.service.ts";
import { VerifiedRemovalService } from "./removal/verifiedRemoval.service.ts";
import { TroubleshootService } from "./troubleshoot/troubleshoot.service.ts";
import { AccessTokenService } from "./tokens/accessToken.service.ts";
import { WebhookService } from "./webhooks/webhook.service.ts";
import path from "node:path";
import { createMailer, type Mailer, type MailerOptions } from "../mail/mailer.ts";
import { UsageRecorder } from "./audit/usageRollup.ts";
import { AppRegistryService } from "./apps/appRegistry.service.ts";
import { OutboundHttp, type OutboundPolicy } from "../net/outbound.ts";
import type { NotificationsPort } from "./alerts/notifications.port.ts";
import type { PersonAuthPort } from "./people/personAuth.port.ts";

export interface HubOptions extends OpenStoreOptions {
  /** Clock for everything time-based (expiry, end dates, audit times); tests move it. */
  now?: () => number;
  pendingTtlDays?: number;
  /**
   * Key that seals stored secrets (webhook signing secrets); GRANTLINE_SECRET_KEY. Default: the key in
   * `<dataDir>/secret.key`, created the first time a secret is sealed or opened.
   */
  secretKey?: Buffer;
  /** How long a webhook callback URL has to answer the verification handshake; default 10 s. */
  webhookVerifyTimeoutMs?: number;
  /**
   * Calls to URLs tenants give (webhook callbacks, alert channels): GRANTLINE_OUTBOUND_ALLOW_PRIVATE.
   * Default: internal addresses refused.
   */
  outbound?: OutboundPolicy;
  /** Invitation links: how long they work, and the address they point at (GRANTLINE_INVITATION_TTL_DAYS, GRANTLINE_PUBLIC_URL). */
  invitations?: InvitationOptions;
  /** Outgoing mail (alert emails); default: .eml files in `<dataDir>/outbox`. */
  mail?: MailerOptions;
  /**
   * How late (ms) this instance may see another instance's write to ad objects in lists it holds in
   * memory; `serve` uses the sync interval. Default 0: every list read compares with the store.
   */
  adObjectsMaxAgeMs?: number;
}

/**
 * The hub: store, access engine, audit log and the services the API, CLI and jobs all call. People's
 * sign-in and the notifier are built beside it by the composition root (src/app) and reached
 * through ports; `Auth` and `Notifications` say which services a caller holds (the ports, unless it
 * opened the hub through src/app).
 */
export interface Hub<Auth extends PersonAuthPort = PersonAuthPort, Notifications extends NotificationsPort = NotificationsPort> {
  store: Store;
  engine: AccessEngine;
  audit: AuditService;
  businesses: BusinessService;
  assets: AssetService;
  partners: PartnerShareService;
  /** Limits an ad account's owner sets on a partner, and the changes held for the owner's approval. */
  guardrails: GuardrailService;
  assignments: AssignmentService;
  tokens: AccessTokenService;
  apps: AppGrantService;
  webhooks: WebhookService;
  invitations: InvitationService;
  campaigns: CampaignService;
  adSets: AdSetService;
  ads: AdService;
  adCreatives: AdCreativeService;
  /** Ad labels of ad accounts and the campaigns, ad sets and ads carrying them (`act_<id>/adlabels`). */
  adLabels: AdLabelService;
  /** An ad account's image library (`act_<id>/adimages`). */
  adImages: AdImageService;
  /** Ad previews (`/{ad}/previews`, `act_<id>/generatepreviews`) and the pages behind them. */
  adPreviews: AdPreviewService;
  /** Deep copies of campaigns, ad sets and ads (`/{id}/copies`). */
  adCopies: AdCopyService;
  /** Sealed, expiring links to ad media (image URLs, preview pages). */
  mediaLinks: MediaLinks;
  insights: InsightsService;
  /** An ad account's activity log, from the audit log. */
  adActivities: AdActivityService;
  reportRuns: ReportRunService;
  review: AccessReviewService;
  reviewCampaigns: ReviewCampaignService;
  /** Applies the fix an access review finding suggests. */
  reviewFixes: FindingFixService;
  /** Checks that a removed partner, person or app grant reaches nothing any more. */
  removal: VerifiedRemovalService;
  /** Plain-words answers to the common access and spend problems. */
  troubleshoot: TroubleshootService;
  /** People signing in: passwords, TOTP, sessions, password reset. */
  auth: Auth;
  /** OAuth apps: redirect URIs, scopes, client secrets, the operator's review. */
  appRegistry: AppRegistryService;
  /** Seals secrets stored in the hub (the instance key). */
  secrets: () => SecretBox;
  /** The guard every call to a URL a tenant gave goes through. */
  outbound: OutboundHttp;
  /** Alert channels of businesses and the alerts sent through them (security alerts, Autopilot). */
  notifications: Notifications;
  /** Outgoing mail (password resets, alert emails), opened on first use. */
  mailer: () => Mailer;
  /** Successful Graph reads counted as use, batched into the usage rollup (flushed on close). */
  usage: UsageRecorder;
  now: () => number;
  /** Runs several service calls as one transaction: all of them commit, or none. */
  inOneTransaction<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** What the services built beside the hub are built from: its transactions, sealing, mail and outbound calls. */
export interface HubCore {
  deps: HubDeps;
  secrets: () => SecretBox;
  mailer: () => Mailer;
  outbound: OutboundHttp;
}

/** How the composition root builds people's sign-in and the notifier once the hub's core is open. */
export interface HubServices<Auth extends PersonAuthPort, Notifications extends NotificationsPort> {
  auth(core: HubCore): Auth;
  notifications(core: HubCore): Notifications;
}

/** Opens the store, builds the access engine and the hub's services, and the two given beside them. */
export async function openHub<Auth extends PersonAuthPort, Notifications extends NotificationsPort>(
  options: HubOptions,
  services: HubServices<Auth, Notifications>,
): Promise<Hub<Auth, Notifications>> {
  const store = await openStore(options);
  const now = options.now ?? Date.now;
  const engine = new AccessEngine(store.db, now);
  const audit = new AuditService(store.db, now, engine.index);
  const deps: HubDeps = { db: store.db, engine, audit, now };
  const adObjects = new AdObjectReadModel(store.db, { maxAgeMs: options.adObjectsMaxAgeMs, announcementsHeard: () => engine.announcementsHeard });
  try {
    await engine.rebuild();
  } catch (error) {
    // A hub that cannot start must not leave its store's connections (and the process) open.
    await store.close().catch(() => undefined);
    throw error;
  }
  let secretBox: SecretBox | undefined;
  const secrets = () => (secretBox ??= new SecretBox(options.secretKey ?? loadOrCreateSecretKey(options.dataDir || "./data")));
  const insights = new InsightsService(deps);
  const mediaLinks = new MediaLinks(secrets, now);
  const adImages = new AdImageService(deps, mediaLinks);
  const partners = new PartnerShareService(deps, options.pendingTtlDays ?? 30);
  const assignments = new AssignmentService(deps);
  const apps = new AppGrantService(deps);
  let mailer: Mailer | undefined;
  const mail = () =>
    (mailer ??= createMailer(
      options.mail ?? { smtpUrl: undefined, from: "Grantline <no-reply@grantline.localhost>", outboxDir: path.join(options.dataDir || "./data", "outbox") },
    ));
  const usage = new UsageRecorder(store.db, () => engine.index, now);
  const review = new AccessReviewService(deps, usage);
  const businesses = new BusinessService(deps);
  const campaigns = new CampaignService(deps, adObjects);
  const adSets = new AdSetService(deps, adObjects);
  const ads = new AdService(deps, adObjects);
  const guardrails = new GuardrailService(deps, (ctx, type, id, params) =>
    type === "campaign" ? campaigns.updateCampaign(ctx, id, params) : adSets.updateAdSet(ctx, id, params),
  );
  const tokens = new AccessTokenService(deps);
  const outbound = new OutboundHttp(options.outbound);
  const core: HubCore = { deps, secrets, mailer: mail, outbound };
  return {
    store,
    engine,
    audit,
    businesses,
    assets: new AssetService(deps),
    partners,
    guardrails,
    assignments,
    tokens,
    apps,
    webhooks: new WebhookService(deps, secrets, { verifyTimeoutMs: options.webhookVerifyTimeoutMs, outbound }),
    invitations: new InvitationService(deps, mail, options.invitations),
    campaigns,
    adSets,
    ads,
    adCreatives: new AdCreativeService(deps, adObjects),
    adLabels: new AdLabelService(deps),
    adImages,
    adPreviews: new AdPreviewService(deps, mediaLinks, adImages),
    adCopies: new AdCopyService(deps, { campaigns, adSets, ads }),
    mediaLinks,
    insights,
    adActivities: new AdActivityService(deps),
    reportRuns: new ReportRunService(deps, insights),
    review,
    reviewCampaigns: new ReviewCampaignService(deps, { review, partners, assignments, apps, secrets }),
    reviewFixes: new FindingFixService(deps, { review, partners, assignments, apps, businesses, tokens }),
    removal: new VerifiedRemovalService(deps, partners),
    troubleshoot: new TroubleshootService(deps),
    auth: services.auth(core),
    appRegistry: new AppRegistryService(deps, secrets),
    secrets,
    outbound,
    notifications: services.notifications(core),
    mailer: mail,
    usage,
    now,
    inOneTransaction: (work) => inOneTransaction(deps, work),
    async close() {
      usage.stop();
      try {
        await usage.flush();
      } finally {
        // A store that cannot take the last uses (it is down) is still closed.
        engine.stop();
        mailer?.close();
        outbound.close();
        await store.close();
      }
    },
  };
}

export interface BootstrapResult {
  business_id: string;
  system_user_id: string;
  access_token: string;
}

/** A new business, an ADMIN system user of it, and a non-expiring token with every scope. */
export async function bootstrapBusiness(hub: Hub, name: string, ctx: RequestContext = operatorContext()): Promise<BootstrapResult> {
  return hub.inOneTransaction(async () => {
    const business = await hub.businesses.createBusiness(ctx, { name });
    const systemUser = await hub.businesses.createSystemUser(ctx, business.id, { name: `${name} Admin`, role: "ADMIN" });
    const token = await hub.tokens.issueSystemUserToken(ctx, systemUser.id, {});
    return { business_id: business.id, system_user_id: systemUser.id, access_token: token.accessToken };
  });
}
