import type { AssetAccess } from "../hub/access/accessEngine.ts";
import { graphIdOf } from "../graphIds.ts";
import { cardPage, escapeHtml } from "../web/pageStyle.ts";
import { SCOPE_WORDS } from "../hub/catalogue/scopeWords.ts";

/** Asset types in the order the consent page groups them, with singular and plural names. */
const ASSET_GROUPS: { type: string; one: string; many: string }[] = [
  { type: "ad_account", one: "Ad account", many: "Ad accounts" },
  { type: "page", one: "Page", many: "Pages" },
  { type: "instagram_account", one: "Instagram account", many: "Instagram accounts" },
  { type: "product_catalog", one: "Product catalog", many: "Product catalogs" },
  { type: "pixel", one: "Pixel", many: "Pixels" },
  { type: "creative_hub_project", one: "Creative Hub project", many: "Creative Hub projects" },
];

export function loginPage(input: { uid: string; appName: string; csrf: string; error?: string; email?: string }): string {
  return cardPage(
    "Sign in",
    `<h1>Sign in to connect ${escapeHtml(input.appName)}</h1>
<p class="muted">Use your Grantline account. You choose what ${escapeHtml(input.appName)} may reach on the next page.</p>
${input.error ? `<p class="notice notice-error" role="alert" id="form-error">${escapeHtml(input.error)}</p>` : ""}
<form method="post" action="/oauth/interaction/${escapeHtml(input.uid)}/login"${input.error ? ` aria-describedby="form-error"` : ""}>
<input type="hidden" name="_csrf" value="${escapeHtml(input.csrf)}">
<div class="field"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(input.email)}" required></div>
<div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
<div class="field"><label for="totp_code">Two-factor code</label><input id="totp_code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" aria-describedby="totp-hint"><p class="hint" id="totp-hint">Only if you turned on two-factor authentication: the 6 digits from your authenticator app.</p></div>
<div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>`,
  );
}

export interface ConsentBusiness {
  id: string;
  name: string;
  /** The person belongs to it, so they may give the app its business-level edges. */
  member: boolean;
  assets: AssetAccess[];
}

export interface ConsentView {
  uid: string;
  csrf: string;
  appName: string;
  developerName: string;
  verified: boolean;
  personName: string;
  scopes: string[];
  businesses: ConsentBusiness[];
  /** What the person had ticked, when the page is shown again after an error; by default every scope and nothing else. */
  chosen?: { scopes: string[]; assets: string[]; businesses: string[] };
  error?: string;
}

const checked = (on: boolean) => (on ? " checked" : "");

function scopeOption(scope: string, on: boolean): string {
  const words = SCOPE_WORDS[scope] ?? { words: scope, kind: "read" as const };
  const tag = words.kind === "read" ? `<span class="tag tag-read">View</span>` : `<span class="tag tag-write">Change</span>`;
  return `<li><label class="option"><input type="checkbox" name="scope" value="${escapeHtml(scope)}"${checked(on)}><span class="option-text"><span class="option-title">${escapeHtml(words.words)}</span><span class="option-meta">${tag}${words.kind === "read" ? "read only" : "read and change"}; <code>${escapeHtml(scope)}</code></span></span></label></li>`;
}

function assetOption(asset: AssetAccess, one: string, on: boolean): string {
  const graphId = graphIdOf(asset.type, asset.assetId);
  return `<li><label class="option"><input type="checkbox" name="asset" value="${escapeHtml(asset.assetId)}"${checked(on)}><span class="option-text"><span class="option-title">${escapeHtml(asset.name)}</span><span class="option-meta">${escapeHtml(one)} · ID ${escapeHtml(graphId)}</span></span></label></li>`;
}

function businessGroup(business: ConsentBusiness, view: ConsentView, headingId: string): string {
  const chosen = view.chosen;
  const whole = business.member
    ? `<ul class="options"><li><label class="option"><input type="checkbox" name="business" value="${escapeHtml(business.id)}"${checked(chosen?.businesses.includes(business.id) ?? false)}><span class="option-text"><span class="option-title">The business itself</span><span class="option-meta">Its settings, people, system users, partners and lists of its assets (<code>business_management</code>)</span></span></label></li></ul>`
    : "";
  const groups = ASSET_GROUPS.map((group) => {
    const assets = business.assets.filter((a) => a.type === group.type);
    if (assets.length === 0) return "";
    const id = `${headingId}-${group.type}`;
    return `<h3 id="${id}">${escapeHtml(group.many)}</h3>
<ul class="options" aria-labelledby="${id}">
${assets.map((a) => assetOption(a, group.one, chosen?.assets.includes(a.assetId) ?? false)).join("\n")}
</ul>`;
  }).join("\n");
  const other = business.assets.filter((a) => !ASSET_GROUPS.some((g) => g.type === a.type));
  const rest = other.length > 0 ? `<ul class="options">${other.map((a) => assetOption(a, a.type, chosen?.assets.includes(a.assetId) ?? false)).join("\n")}</ul>` : "";
  return `<fieldset class="business"><legend>${escapeHtml(business.name)} <span class="muted">· Business ID ${escapeHtml(business.id)}</span></legend>
${whole}
${groups}${rest}
</fieldset>`;
}

/**
 * The consent page: the app and its badge, each scope in plain words (view or change), and the
 * businesses and assets to share with it, grouped by business and asset type. One form: Allow
 * (first, so Enter allows) posts the choices; Cancel (formaction) tells the app the person said no.
 */
export function consentPage(view: ConsentView): string {
  const app = escapeHtml(view.appName);
  const developer = escapeHtml(view.developerName);
  const badge = view.verified
    ? `<span class="badge badge-verified"><span aria-hidden="true">✓</span> Verified partner</span>`
    : `<span class="badge badge-unverified"><span aria-hidden="true">!</span> Not verified</span>`;
  const trust = view.verified
    ? `<p class="muted">Grantline reviewed ${developer}, the maker of ${app}.</p>`
    : `<p class="notice notice-warn">Grantline has not reviewed ${app}. Only continue if you trust ${developer}.</p>`;
  const chosenScopes = view.chosen?.scopes ?? view.scopes;
  const read = view.scopes.filter((s) => (SCOPE_WORDS[s]?.kind ?? "read") === "read");
  const write = view.scopes.filter((s) => SCOPE_WORDS[s]?.kind === "write");
  const scopeList = (scopes: string[]) => `<ul class="options">\n${scopes.map((s) => scopeOption(s, chosenScopes.includes(s))).join("\n")}\n</ul>`;
  const businesses = view.businesses.map((b, i) => businessGroup(b, view, `business-${i}`)).join("\n");
  const uid = escapeHtml(view.uid);
  return cardPage(
    `Connect ${view.appName}`,
    `<div class="app-head"><div class="app-mark" aria-hidden="true">${escapeHtml(view.appName.trim().charAt(0).toUpperCase() || "?")}</div>
<div><h1>${app} wants to connect to your account</h1>
<p class="muted">Made by ${developer} ${badge}</p></div></div>
${trust}
<p>You are signed in as <strong>${escapeHtml(view.personName)}</strong>. ${app} gets only what you choose here, and never more than you can do yourself. You can remove it at any time.</p>
${view.error ? `<p class="notice notice-error" role="alert" id="consent-error">${escapeHtml(view.error)}</p>` : ""}
<form method="post" action="/oauth/interaction/${uid}/consent"${view.error ? ` aria-describedby="consent-error"` : ""}>
<input type="hidden" name="_csrf" value="${escapeHtml(view.csrf)}">
<fieldset class="section"><legend>What ${app} may do</legend>
<p class="muted">Untick anything you do not want to allow.</p>
${read.length > 0 ? `<h3>View</h3>\n${scopeList(read)}` : ""}
${write.length > 0 ? `<h3>View and change</h3>\n${scopeList(write)}` : ""}
</fieldset>
<fieldset class="section"><legend>Which businesses and assets</legend>
<p class="muted">Pick the assets ${app} may use. Pick a business itself only if ${app} needs its settings, people or partners.</p>
${businesses || `<p>You cannot reach any business or asset yet. Ask an admin of your business to give you access, then connect ${app} again.</p>`}
</fieldset>
<div class="actions">
<button class="primary" type="submit">Allow</button>
<button class="secondary" type="submit" formaction="/oauth/interaction/${uid}/deny" formnovalidate>Cancel</button>
</div>
</form>`,
  );
}
