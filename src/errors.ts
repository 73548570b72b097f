/**
 * One catalogue of every error a client can see: a stable id, the HTTP status, Meta's Graph
 * `code`/`error_subcode`, and the message. Internal details never go into these.
 */
export interface GraphErrorBody {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
  is_transient?: boolean;
  fbtrace_id?: string;
}

/** Codes Meta marks `is_transient`: retrying later may succeed (temporary, app and user limits). */
const TRANSIENT_CODES = new Set([1, 2, 4, 17]);

export class GrantlineError extends Error {
  constructor(
    /** Stable id, e.g. "TASKS_ABOVE_SHARE". */
    readonly id: string,
    readonly status: number,
    readonly code: number,
    message: string,
    readonly options: {
      subcode?: number;
      userTitle?: string;
      userMsg?: string;
      type?: string;
      /** For a not-found answer: the object it is about, so the Graph layer can word it exactly as for the path's id. */
      objectId?: string;
      /** Sent as the `retry-after` header (seconds): when a temporary failure is worth trying again. */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = "GrantlineError";
  }

  /** Set once the refusal is in the audit log, so it is written only once. */
  audited = false;

  /** A refusal worded as not-found so a stranger learns nothing; still audited as a denial. */
  concealed = false;

  /**
   * A refusal of who is asking (bad token, missing permission) rather than of what was asked;
   * audited as "denied". Meta answers most of these with HTTP 400, so the code decides.
   */
  get isDenial(): boolean {
    return this.concealed || this.status === 401 || this.status === 403 || this.code === 190 || this.code === 10 || (this.code >= 200 && this.code < 300);
  }

  toGraph(fbtraceId?: string): GraphErrorBody {
    const body: GraphErrorBody = {
      message: this.message,
      type: this.options.type ?? (this.code === 190 ? "OAuthException" : "GraphMethodException"),
      code: this.code,
    };
    if (this.options.subcode !== undefined) body.error_subcode = this.options.subcode;
    if (this.options.userTitle) body.error_user_title = this.options.userTitle;
    body.error_user_msg = this.options.userMsg ?? this.message;
    if (TRANSIENT_CODES.has(this.code)) body.is_transient = true;
    if (fbtraceId) body.fbtrace_id = fbtraceId;
    return body;
  }
}

/** Meta's answer for an object that does not exist or cannot be loaded (code 100, subcode 33). */
const notFoundError = (id: string, what: string, objectId?: string) =>
  new GrantlineError(
    id,
    400,
    100,
    `Unsupported request - ${what} does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    { subcode: 33, type: "GraphMethodException", ...(objectId === undefined ? {} : { objectId }) },
  );

/** "40 seconds", "3 minutes": a wait as a person reads it. */
function inWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 120) return `${s} second${s === 1 ? "" : "s"}`;
  return `${Math.ceil(s / 60)} minutes`;
}

const INVITATION_LINK_MESSAGES = {
  used: "This invitation has already been accepted. Sign in with the email and password you chose.",
  cancelled: "This invitation was cancelled. Ask an admin of the business to invite you again.",
  expired: "This invitation has expired. Ask an admin of the business to send it again.",
  unknown: "This invitation link is not valid. If you received a newer invitation mail, use the link in that one.",
} as const;

const invalid = (id: string, message: string, userTitle = "Invalid parameter") =>
  new GrantlineError(id, 400, 100, message, { userTitle, type: "OAuthException" });

export const errors = {
  invalidParameter: (message: string) => invalid("INVALID_PARAMETER", message),
  /** A `filtering` clause Grantline cannot apply; Meta's "(#100) …" wording (see src/graph/filtering.ts). */
  invalidFiltering: (message: string) => invalid("INVALID_FILTERING", `(#100) ${message}`, "Invalid filtering"),
  /** A `fields` name, or an edge in the path, that the node type does not have; Meta's wording and type names. */
  nonexistingField: (field: string, typeName: string) =>
    new GrantlineError("UNKNOWN_FIELD", 400, 100, `(#100) Tried accessing nonexisting field (${field}) on node type (${typeName})`, {
      type: "OAuthException",
    }),
  /**
   * Insights breakdown columns Meta does not serve together, in Meta's words ("(#100) Current
   * combination of data breakdown columns (action_type, age, country) is invalid").
   * https://developers.facebook.com/docs/marketing-api/insights/breakdowns#combiningbreakdowns
   */
  invalidBreakdownCombination: (columns: readonly string[]) =>
    invalid("INVALID_BREAKDOWNS", `(#100) Current combination of data breakdown columns (${columns.join(", ")}) is invalid`, "Invalid breakdowns"),
  /** A field Meta's spec lists for the type that Grantline does not keep: refused rather than dropped. */
  unsupportedField: (field: string, typeName: string) =>
    new GrantlineError("UNSUPPORTED_FIELD", 400, 100, `(#100) The field (${field}) on node type (${typeName}) is not available here: Grantline does not keep it.`, {
      type: "OAuthException",
    }),
  /** A `fields` value that does not parse (`campaigns{name`, `adsets.limit(x)`). */
  fieldsSyntax: (detail: string, at: number, text: string) =>
    invalid("FIELDS_SYNTAX", `(#100) Syntax error "${detail}" at character ${at}: ${text}`),
  unknownTasks: (tasks: string[], assetLabel: string, allowed: readonly string[]) =>
    invalid(
      "UNKNOWN_TASK",
      `Unknown task${tasks.length > 1 ? "s" : ""} ${tasks.join(", ")} for a ${assetLabel}. Valid tasks: ${allowed.join(", ")}.`,
      "Unknown task",
    ),
  emptyTasks: () => invalid("EMPTY_TASKS", "At least one task is required.", "No tasks given"),
  tasksAboveShare: (message: string) => invalid("TASKS_ABOVE_SHARE", message, "Tasks exceed the partner share"),
  shareWithSelf: () =>
    invalid("SHARE_WITH_SELF", "A business cannot share an asset with itself.", "Cannot share with yourself"),
  unknownBusiness: (id: string) =>
    invalid("UNKNOWN_BUSINESS", `No business has the ID ${id}. Check the Business ID with your partner.`, "Unknown Business ID"),
  /**
   * An asset that does not exist, or that the caller has no relation to: Meta's not-found (code 100,
   * subcode 33), word for word the same in both cases, so that a stranger learns nothing.
   */
  unknownAsset: (id: string) => notFoundError("UNKNOWN_ASSET", `Object with ID '${id}'`, id),
  unknownPrincipal: (id: string) =>
    invalid("UNKNOWN_PRINCIPAL", `No person or system user has the ID ${id}.`, "Unknown user"),
  unknownRequest: (id: string) =>
    invalid("UNKNOWN_REQUEST", `No pending offer or request has the ID ${id}.`, "Unknown request"),
  offerExpired: (message: string) => invalid("OFFER_EXPIRED", message, "Offer expired"),
  notPending: (message: string) => invalid("NOT_PENDING", message, "Nothing pending"),
  /**
   * A review item whose grant ended outside the campaign: it closed as already removed and takes no
   * decision. Review campaigns are Grantline's own edges; the answer keeps Meta's error shape
   * (https://developers.facebook.com/docs/graph-api/guides/error-handling) with code 100, as every
   * other refused campaign call does.
   */
  alreadyRemoved: (message: string) => invalid("ALREADY_REMOVED", message, "Access already removed"),
  notMember: (message: string) => invalid("NOT_MEMBER", message, "Not a member of this business"),
  duplicate: (message: string) => invalid("DUPLICATE", message, "Already exists"),
  endDateInPast: () =>
    invalid("END_DATE_IN_PAST", "The share's end date must be in the future.", "End date in the past"),
  lastAdmin: () =>
    invalid("LAST_ADMIN", "A business must keep at least one admin.", "Cannot remove the last admin"),
  permissionDenied: (message: string, userMsg?: string) =>
    new GrantlineError("PERMISSION_DENIED", 400, 200, message, {
      userTitle: "Permission denied",
      userMsg: userMsg ?? message,
      type: "OAuthException",
    }),
  invalidToken: (message = "Invalid OAuth access token - Cannot parse access token") =>
    new GrantlineError("INVALID_TOKEN", 400, 190, message, { type: "OAuthException" }),
  /** `/metrics` on the hub's port without the operator's GRANTLINE_METRICS_TOKEN. */
  metricsTokenRequired: () => new GrantlineError("METRICS_TOKEN_REQUIRED", 401, 190, "The metrics token is missing or wrong.", { type: "OAuthException" }),
  expiredToken: () =>
    new GrantlineError("EXPIRED_TOKEN", 400, 190, "Error validating access token: Session has expired.", {
      subcode: 463,
      type: "OAuthException",
    }),
  notFound: (what: string, objectId?: string) => notFoundError("NOT_FOUND", what, objectId),
  /** Graph 17 / 2446079: a caller's sliding-window quota is used up. */
  userRateLimited: (message: string, retryAfterMinutes: number) =>
    new GrantlineError("RATE_LIMITED", 400, 17, `(#17) User request limit reached: ${message}`, {
      subcode: 2446079,
      userTitle: "Too many calls",
      userMsg: `${message} Try again in about ${Math.max(1, Math.ceil(retryAfterMinutes))} minute(s).`,
      type: "OAuthException",
    }),
  /** Graph 80004: too many calls to one ad account under ads_management. */
  adAccountRateLimited: (message: string, retryAfterMinutes: number) =>
    new GrantlineError("AD_ACCOUNT_RATE_LIMITED", 400, 80004, `(#80004) There have been too many calls to this ad-account: ${message}`, {
      subcode: 2446079,
      userTitle: "Too many calls to this ad account",
      userMsg: `${message} Try again in about ${Math.max(1, Math.ceil(retryAfterMinutes))} minute(s).`,
      type: "OAuthException",
    }),
  /** Graph 4: the app's own quota is used up. */
  appRateLimited: (retryAfterMinutes: number) =>
    new GrantlineError("APP_RATE_LIMITED", 403, 4, "(#4) Application request limit reached", {
      userTitle: "Too many calls from this app",
      userMsg: `The app made too many calls. Try again in about ${Math.max(1, Math.ceil(retryAfterMinutes))} minute(s).`,
      type: "OAuthException",
    }),
  /** Graph 17: Meta allows at most 4 budget changes per ad set per hour. */
  tooManyBudgetChanges: (adSetName: string, retryAfterMinutes: number) =>
    new GrantlineError("TOO_MANY_BUDGET_CHANGES", 400, 17, `(#17) User request limit reached: too many budget changes for ${adSetName}`, {
      subcode: 2446079,
      userTitle: "Too many budget changes",
      userMsg: `${adSetName} had 4 budget changes in the last hour, the most allowed. Try again in about ${Math.max(1, Math.ceil(retryAfterMinutes))} minute(s).`,
      type: "OAuthException",
    }),
  /** Graph 803: a path names an alias (not a numeric id) that does not exist; Meta answers 404. */
  unknownAlias: (alias: string) =>
    new GrantlineError("UNKNOWN_ALIAS", 404, 803, `(#803) Some of the aliases you requested do not exist: ${alias}`, { type: "OAuthException" }),
  /** Autopilot scans a workspace's accounts one scan at a time: a second request waits for the first to end. */
  autopilotScanRunning: (workspace: string) =>
    invalid("AUTOPILOT_SCAN_RUNNING", `A scan of ${workspace} is already running; wait for it to finish before starting another.`, "Scan already running"),
  /** One bulk launch at a time per workspace: a second one at once would create what the first is creating. */
  autopilotLaunchRunning: (workspace: string) =>
    invalid("AUTOPILOT_LAUNCH_RUNNING", `A launch in ${workspace} is already running; wait for it to finish before starting another.`, "Launch already running"),
  /** The Graph refused or failed an Autopilot scan part-way; the problem says what it answered. */
  autopilotScanFailed: (account: string, problem: string) =>
    new GrantlineError("AUTOPILOT_SCAN_FAILED", 502, 1, `The scan of ${account} stopped: ${problem}`, { userTitle: "Scan stopped", type: "GraphMethodException" }),
  /** The Graph API a Graph-sourced review reads (Meta's, or another hub's) refused or failed; the problem says what it answered. */
  graphReviewFailed: (problem: string) =>
    new GrantlineError("GRAPH_REVIEW_FAILED", 502, 1, problem, { userTitle: "The reviewed business's Graph API refused", type: "GraphMethodException" }),
  /** A batch item that is itself a batch: refused, so one request can never fan out beyond one batch. */
  nestedBatch: () => invalid("NESTED_BATCH", "Batch requests cannot be nested: a batch item cannot itself be a batch request.", "Nested batch"),
  /**
   * A partner's write that a guardrail of the owner refuses. Graph code 200, a permissions error
   * (https://developers.facebook.com/docs/graph-api/guides/error-handling): the partner may not do
   * this, and only the owner can change it. The message names the guardrail and its value.
   */
  guardrailRefused: (guardrail: string, value: string, detail: string, ownerName: string) =>
    new GrantlineError("GUARDRAIL_REFUSED", 400, 200, `(#200) Refused by the partner guardrail ${guardrail} = ${value}: ${detail}`, {
      userTitle: "Outside the partner's guardrails",
      userMsg: `${detail} ${ownerName} set the guardrail ${guardrail} = ${value} on this partner; only an admin of ${ownerName} can change it or make the change.`,
      type: "OAuthException",
    }),
  /** A partner's change above `approval_above`: held as a pending change until the owner's admin decides (code 200 as above). */
  changeNeedsApproval: (value: string, detail: string, ownerName: string, pendingId: string) =>
    new GrantlineError("CHANGE_NEEDS_APPROVAL", 400, 200, `(#200) This change needs the owner's approval: partner guardrail approval_above = ${value}. ${detail} It is held as pending change ${pendingId}.`, {
      userTitle: "Waiting for the owner's approval",
      userMsg: `${detail} An admin of ${ownerName} must approve it (pending change ${pendingId}); nothing changes until then.`,
      type: "OAuthException",
    }),
  /**
   * A Graph error another server answered (the hub, to an Autopilot serving apart from it), passed on
   * as it came: same status, code, subcode and messages.
   */
  relayed: (status: number, error: { message?: unknown; type?: unknown; code?: unknown; error_subcode?: unknown; error_user_title?: unknown; error_user_msg?: unknown }) =>
    new GrantlineError("RELAYED", status, typeof error.code === "number" ? error.code : 1, typeof error.message === "string" ? error.message : "The hub refused the request.", {
      ...(typeof error.error_subcode === "number" ? { subcode: error.error_subcode } : {}),
      ...(typeof error.type === "string" ? { type: error.type } : {}),
      ...(typeof error.error_user_title === "string" ? { userTitle: error.error_user_title } : {}),
      ...(typeof error.error_user_msg === "string" ? { userMsg: error.error_user_msg } : {}),
    }),
  internal: () =>
    new GrantlineError("INTERNAL", 500, 1, "An unknown error occurred", { type: "OAuthException" }),
  /**
   * Graph 2, "Service temporarily unavailable" (is_transient): Meta's answer for "a temporary issue
   * due to downtime — wait and retry the operation"
   * (https://developers.facebook.com/docs/graph-api/guides/error-handling). Here: the store or
   * Redis cannot be reached or did not answer in time. Nothing was changed.
   */
  serviceUnavailable: (retryAfterSeconds = 5) =>
    new GrantlineError("SERVICE_UNAVAILABLE", 503, 2, "Service temporarily unavailable", {
      userTitle: "Temporarily unavailable",
      userMsg: `The service is temporarily unavailable. Nothing was changed; try again in about ${retryAfterSeconds} seconds.`,
      type: "OAuthException",
      retryAfterSeconds,
    }),
  /** Graph 2 as well, when the store's disk is full: the hub reads but cannot write until an operator frees space. */
  storageFull: (retryAfterSeconds = 60) =>
    new GrantlineError("STORAGE_FULL", 503, 2, "Service temporarily unavailable: the server is out of storage space", {
      userTitle: "Temporarily unavailable",
      userMsg: "The server has run out of storage space, so nothing could be saved. Nothing was changed; try again later.",
      type: "OAuthException",
      retryAfterSeconds,
    }),
  /** Graph 2200: the callback URL did not answer the webhook handshake by echoing hub.challenge. */
  webhookVerificationFailed: (problem: string) =>
    new GrantlineError("WEBHOOK_VERIFICATION_FAILED", 400, 2200, `(#2200) Callback verification failed with the following errors: ${problem}`, {
      userTitle: "Callback verification failed",
      userMsg: `The callback URL must answer GET requests with hub.mode=subscribe and the right hub.verify_token by returning hub.challenge as the body (${problem}). Nothing was saved.`,
      type: "OAuthException",
    }),
  /**
   * A URL the hub would call (webhook callback, alert channel) is, or resolves to, an internal
   * address: refused before anything is stored or sent. The text names the host, never what answers there.
   */
  outboundAddressRefused: (field: string, refusal: string) =>
    new GrantlineError("OUTBOUND_ADDRESS_REFUSED", 400, 100, `Invalid ${field}. ${refusal}`, {
      userTitle: "Address not allowed",
      userMsg: `${refusal} Grantline only calls addresses on the public internet. Nothing was saved.`,
      type: "OAuthException",
    }),
  // Sign-in and OAuth. The UI tells these apart by error_subcode (see README "Sign-in").
  /** Same answer for an unknown email and a wrong password. */
  invalidCredentials: () =>
    new GrantlineError("INVALID_CREDENTIALS", 401, 190, "The email or password is incorrect.", {
      subcode: 1_348_001,
      userTitle: "Wrong email or password",
      type: "OAuthException",
    }),
  twoFactorRequired: () =>
    new GrantlineError("TWO_FACTOR_REQUIRED", 401, 190, "Enter the 6-digit code from your authenticator app.", {
      subcode: 1_348_002,
      userTitle: "Two-factor code required",
      type: "OAuthException",
    }),
  twoFactorInvalid: () =>
    new GrantlineError("TWO_FACTOR_INVALID", 401, 190, "The two-factor code is wrong or was already used.", {
      subcode: 1_348_003,
      userTitle: "Wrong two-factor code",
      type: "OAuthException",
    }),
  /** A cool-down after failed sign-ins (src/auth/signInThrottle.ts): the attempt was not checked; Retry-After says when. */
  loginThrottled: (retryAfterSeconds: number) =>
    new GrantlineError("LOGIN_THROTTLED", 429, 368, "Too many failed sign-in attempts. Try again later.", {
      subcode: 1_348_004,
      userTitle: "Wait before trying again",
      userMsg: `Too many failed sign-in attempts. Try again in ${inWords(retryAfterSeconds)}, or reset your password.`,
      type: "OAuthException",
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    }),
  notSignedIn: () =>
    new GrantlineError("NOT_SIGNED_IN", 401, 102, "Session key invalid or no longer valid: sign in again.", {
      subcode: 1_348_005,
      userTitle: "Not signed in",
      type: "OAuthException",
    }),
  twoFactorSetupRequired: () =>
    new GrantlineError("TWO_FACTOR_SETUP_REQUIRED", 403, 190, "A business you belong to requires two-factor authentication: set it up first.", {
      subcode: 1_348_006,
      userTitle: "Set up two-factor authentication",
      type: "OAuthException",
    }),
  csrfInvalid: () =>
    new GrantlineError("CSRF_INVALID", 403, 200, "The request is missing a valid CSRF token.", {
      subcode: 1_348_007,
      userTitle: "Reload and try again",
      type: "OAuthException",
    }),
  resetLinkInvalid: () =>
    new GrantlineError("RESET_LINK_INVALID", 400, 100, "This password reset link is invalid, expired or already used.", {
      subcode: 1_348_008,
      userTitle: "Reset link not valid",
      userMsg: "This password reset link is invalid, expired or already used. Ask for a new one.",
      type: "OAuthException",
    }),
  /**
   * An invitation link that cannot be used. The answer names only the link's own state, never the
   * business or the address, so a guessed or leaked-and-used link tells nothing.
   */
  invitationLinkInvalid: (state: "used" | "cancelled" | "expired" | "unknown") =>
    new GrantlineError("INVITATION_LINK_INVALID", 400, 100, INVITATION_LINK_MESSAGES[state], {
      subcode: 1_348_010,
      userTitle: state === "expired" ? "Invitation expired" : state === "used" ? "Invitation already used" : state === "cancelled" ? "Invitation cancelled" : "Invitation link not valid",
      userMsg: INVITATION_LINK_MESSAGES[state],
      type: "OAuthException",
    }),
  /**
   * Too many password reset requests from one address. Graph code 4 ("API Too Many Calls: temporary
   * issue due to throttling; wait and retry", https://developers.facebook.com/docs/graph-api/guides/error-handling):
   * the limit is on calls from a network address, not on a user or an app.
   */
  passwordResetThrottled: (retryAfterSeconds: number) =>
    new GrantlineError("PASSWORD_RESET_THROTTLED", 429, 4, "(#4) Too many password reset requests from this network address.", {
      subcode: 1_348_009,
      userTitle: "Too many requests",
      userMsg: `Too many password reset requests from your network. Try again in ${inWords(retryAfterSeconds)}.`,
      type: "OAuthException",
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    }),
  appSecretProofRequired: () =>
    new GrantlineError("APPSECRET_PROOF_REQUIRED", 400, 100, "API calls from the server require an appsecret_proof argument", {
      type: "GraphMethodException",
    }),
  appSecretProofInvalid: () =>
    new GrantlineError("APPSECRET_PROOF_INVALID", 400, 100, "Invalid appsecret_proof provided in the API argument", {
      type: "GraphMethodException",
    }),
};
