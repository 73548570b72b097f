/**
 * Every action the hub writes to its audit log, in one list. `AuditEvent.action` is this union,
 * and every reader (the security alert rules, the review findings, the usage rollup, the audit
 * sentences, the Graph's activities) compares against it, so a misspelt action name is a type error
 * rather than an alert or a finding that silently never fires.
 */

/** What Autopilot records through its host (AutopilotHost.recordAudit); the host route accepts only these. */
export const AUTOPILOT_AUDIT_ACTIONS = [
  "autopilot.workspace",
  "autopilot.connect_start",
  "autopilot.connect",
  "autopilot.settings",
  "autopilot.kill",
  "autopilot.unkill",
  "autopilot.scan",
  "autopilot.launch",
  "autopilot.approve",
  "autopilot.reject",
  "autopilot.undo",
  "autopilot.pilot_start",
  "autopilot.pilot_stop",
] as const;

export const AUDIT_ACTIONS = [
  // People, sign-in and two-factor.
  "person.create",
  "person.set_password",
  "auth.login",
  "auth.logout",
  "auth.totp_enroll",
  "auth.totp_confirm",
  "auth.totp_disable",
  "auth.password_reset_request",
  "auth.password_reset",

  // Businesses, their people and system users.
  "business.create",
  "business.update",
  "member.add",
  "member.set_role",
  "member.change_role",
  "member.remove",
  "system_user.create",
  "system_user.delete",
  "invitation.create",
  "invitation.resend",
  "invitation.cancel",
  "invitation.mail",
  "invitation.accept",

  // Assets and who is assigned to them.
  "asset.create",
  "ad_account.update",
  "assignment.set",
  "assignment.add",
  "assignment.change",
  "assignment.trim",
  "assignment.remove",
  "removal.verify",

  // Partner shares.
  "share.offer",
  "share.offer_update",
  "share.approve",
  "share.change_tasks",
  "share.accept_or_request",
  "share.accept",
  "share.request",
  "share.request_update",
  "share.decline",
  "share.cancel",
  "share.remove",
  "share.end",
  "share.sweep",
  "share.offer_expired",
  "share.request_expired",
  "partner.remove",

  // Partner guardrails and the changes they hold for the owner.
  "guardrails.set",
  "guardrails.remove",
  "guardrails.approve",
  "guardrails.reject",
  "guardrails.expire",

  // Ad objects (a guardrail-held change is audited as the object's `.update`, denied).
  "campaign.create",
  "campaign.update",
  "campaign.delete",
  "campaign.copy",
  "adset.create",
  "adset.update",
  "adset.delete",
  "adset.copy",
  "ad.create",
  "ad.update",
  "ad.delete",
  "ad.copy",
  "ad.review",
  "adcreative.create",
  "adcreative.update",
  "adcreative.delete",
  "adimage.create",
  "adimage.delete",
  "adlabel.create",
  "adlabel.update",
  "adlabel.delete",

  // Apps, their grants, tokens and webhooks.
  "app.create",
  "app.review",
  "app.grant",
  "app.revoke",
  "app.remove_from_business",
  "token.issue",
  "token.revoke",
  "token.expiry_warning",
  "webhook.configure",
  "webhook.remove",
  "webhook.subscribe",
  "webhook.unsubscribe",

  // OAuth failures: a bad client secret at Meta's endpoints, and the authorization server's error events.
  "oauth.access_token",
  "oauth.debug_token",
  "oauth.fb_exchange_token",
  "oauth.authorization",
  "oauth.grant",
  "oauth.introspection",
  "oauth.revocation",
  "oauth.userinfo",
  "oauth.jwks",
  "oauth.discovery",
  "oauth.end_session",
  "oauth.pushed_authorization_request",
  "oauth.server_error",

  // A Graph call refused outside any command, by method.
  "graph.get",
  "graph.post",
  "graph.delete",

  // Alert channels.
  "alert_channel.add",
  "alert_channel.remove",
  "alert_channel.test",

  // Access reviews.
  "review.start",
  "review.reminder",
  "review.decide",
  "review.close",
  "review.reconcile",
  "review.graph_target",
  "review.graph_target_remove",

  // Autopilot, through its host.
  ...AUTOPILOT_AUDIT_ACTIONS,
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AutopilotAuditAction = (typeof AUTOPILOT_AUDIT_ACTIONS)[number];

type PrefixOf<A> = A extends `${infer Prefix}.${string}` ? Prefix : never;
type VerbOf<A> = A extends `${string}.${infer Verb}` ? Verb : never;
/** What an action is done to, before the dot: "share" of "share.accept". */
export type AuditActionPrefix = PrefixOf<AuditAction>;
/** What is done, after the dot: "accept" of "share.accept". */
export type AuditActionVerb = VerbOf<AuditAction>;

/** The SQL LIKE pattern of every action done to `prefix` ("campaign" → "campaign.%"). */
export function actionsLike(prefix: AuditActionPrefix): string {
  return `${prefix}.%`;
}

/** Whether the action is this verb, whatever it is done to ("create": campaign.create, ad.create, …). */
export function hasVerb(action: AuditAction, verb: AuditActionVerb): boolean {
  return action.endsWith(`.${verb}`);
}

const KNOWN: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

/** Whether a stored or supplied text is one of the actions the hub writes. */
export function isAuditAction(text: string): text is AuditAction {
  return KNOWN.has(text);
}
