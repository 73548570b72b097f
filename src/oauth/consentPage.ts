import type { AssetAccess } from "../hub/access/accessEngine.ts";

/** Each scope in plain words, and whether it only reads or also changes things. */
export const SCOPE_WORDS: Record<string, { words: string; kind: "read" | "write" }> = {
  ads_read: { words: "See your ad accounts' campaigns, ads and results", kind: "read" },
  ads_management: { words: "Create, change and pause campaigns, ad sets, ads and budgets", kind: "write" },
  business_management: { words: "Manage business settings, people and partner access", kind: "write" },
  catalog_management: { words: "Create and change product catalogs", kind: "write" },
  pages_read_engagement: { words: "See your Pages' posts and how people engage with them", kind: "read" },
  pages_manage_ads: { words: "Create and manage ads for your Pages", kind: "write" },
  pages_show_list: { words: "See the list of Pages you manage", kind: "read" },
  instagram_basic: { words: "See your Instagram accounts' profile and media", kind: "read" },
};

const ASSET_WORDS: Record<string, string> = {
  ad_account: "Ad account",
  page: "Page",
  pixel: "Pixel",
  instagram_account: "Instagram account",
  product_catalog: "Product catalog",
  creative_hub_project: "Creative Hub project",
};

export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Grantline</title></head>
<body><main>
${body}
</main></body></html>`;
}

export function loginPage(input: { uid: string; appName: string; csrf: string; error?: string; email?: string }): string {
  return page(
    "Sign in",
    `<h1>Sign in to connect ${escapeHtml(input.appName)}</h1>
${input.error ? `<p role="alert">${escapeHtml(input.error)}</p>` : ""}
<form method="post" action="/oauth/interaction/${escapeHtml(input.uid)}/login">
<input type="hidden" name="_csrf" value="${escapeHtml(input.csrf)}">
<p><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(input.email)}" required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><label for="totp_code">Two-factor code (if you turned it on)</label> <input id="totp_code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}"></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

export interface ConsentView {
  uid: string;
  csrf: string;
  appName: string;
  developerName: string;
  verified: boolean;
  personName: string;
  scopes: string[];
  businesses: { id: string; name: string; assets: AssetAccess[] }[];
  error?: string;
}

/** The consent page: the app, its badge, each scope in plain words, and the assets to share with it. */
export function consentPage(view: ConsentView): string {
  const badge = view.verified
    ? `<p><strong>Verified partner</strong>: Grantline reviewed ${escapeHtml(view.developerName)}.</p>`
    : `<p><strong>Not verified</strong>: Grantline has not reviewed this app. Only continue if you trust ${escapeHtml(view.developerName)}.</p>`;
  const scopes = view.scopes
    .map((scope) => {
      const words = SCOPE_WORDS[scope] ?? { words: scope, kind: "read" as const };
      return `<li><label><input type="checkbox" name="scope" value="${escapeHtml(scope)}" checked> ${escapeHtml(words.words)} <span>(${words.kind === "read" ? "read only" : "read and change"}; <code>${escapeHtml(scope)}</code>)</span></label></li>`;
    })
    .join("\n");
  const businesses = view.businesses
    .map(
      (business) => `<fieldset><legend>${escapeHtml(business.name)} (Business ID ${escapeHtml(business.id)})</legend>
<ul>
${business.assets
  .map(
    (asset) =>
      `<li><label><input type="checkbox" name="asset" value="${escapeHtml(asset.assetId)}"> ${escapeHtml(ASSET_WORDS[asset.type] ?? asset.type)}: ${escapeHtml(asset.name)} <span>(${escapeHtml(asset.type === "ad_account" ? `act_${asset.assetId}` : asset.assetId)})</span></label></li>`,
  )
  .join("\n")}
</ul></fieldset>`,
    )
    .join("\n");
  return page(
    `Connect ${view.appName}`,
    `<h1>${escapeHtml(view.appName)} wants to connect to your account</h1>
<p>${escapeHtml(view.appName)} is made by ${escapeHtml(view.developerName)}. You are signed in as ${escapeHtml(view.personName)}.</p>
${badge}
${view.error ? `<p role="alert">${escapeHtml(view.error)}</p>` : ""}
<form method="post" action="/oauth/interaction/${escapeHtml(view.uid)}/consent">
<input type="hidden" name="_csrf" value="${escapeHtml(view.csrf)}">
<fieldset><legend>What ${escapeHtml(view.appName)} may do</legend>
<ul>
${scopes}
</ul></fieldset>
<h2>Which businesses and assets</h2>
<p>The app reaches only the assets you pick, and never more than you can do yourself.</p>
${businesses || "<p>You cannot reach any assets yet.</p>"}
<p><button type="submit">Allow</button></p>
</form>
<form method="post" action="/oauth/interaction/${escapeHtml(view.uid)}/deny">
<input type="hidden" name="_csrf" value="${escapeHtml(view.csrf)}">
<p><button type="submit">Cancel</button></p>
</form>`,
  );
}
