/**
 * The look of the pages the authorization server renders itself (sign-in, consent, errors): a
 * centred card in the console's palette (Mantine's indigo 8 as the primary colour, its greys and
 * radii), readable from 375 px phones to wide screens, with a visible focus ring like the console's.
 * Inline, so the pages need no other request and work under a strict CSP.
 */
export const PAGE_STYLE = `
:root { color-scheme: light; --primary: #3b5bdb; --primary-dark: #364fc7; --text: #212529; --dimmed: #495057; --border: #dee2e6; --surface: #fff; --page: #f1f3f5; --danger: #c92a2a; --danger-bg: #fff5f5; --ok: #2b8a3e; --ok-bg: #ebfbee; --warn: #8f5800; --warn-bg: #fff9db; --radius: 8px; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; background: var(--page); color: var(--text); font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
:focus-visible { outline: 3px solid var(--primary); outline-offset: 2px; }
.brand { max-width: 40rem; margin: 0 auto; padding: 1.25rem 1rem 0.5rem; font-weight: 700; color: var(--dimmed); letter-spacing: 0.01em; }
.brand span { color: var(--primary); }
main.card { max-width: 40rem; margin: 0 auto 2rem; background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: 0 1px 3px rgb(0 0 0 / 6%), 0 8px 24px rgb(0 0 0 / 5%); padding: 1.5rem; }
h1 { font-size: 1.375rem; line-height: 1.3; margin: 0 0 0.25rem; }
h2 { font-size: 1.0625rem; margin: 0 0 0.25rem; }
h3 { font-size: 0.9375rem; margin: 0.75rem 0 0.25rem; color: var(--dimmed); }
p { margin: 0.25rem 0 0.75rem; }
.muted { color: var(--dimmed); }
.app-head { display: flex; gap: 0.875rem; align-items: flex-start; margin-bottom: 0.75rem; }
.app-mark { flex: none; width: 3rem; height: 3rem; border-radius: 12px; background: var(--primary); color: #fff; display: grid; place-items: center; font-size: 1.375rem; font-weight: 700; }
.badge { display: inline-flex; align-items: center; gap: 0.35rem; padding: 0.125rem 0.625rem; border-radius: 999px; font-size: 0.8125rem; font-weight: 600; white-space: nowrap; }
.badge-verified { background: var(--ok-bg); color: #1b5e29; border: 1px solid #b2f2bb; }
.badge-unverified { background: var(--warn-bg); color: var(--warn); border: 1px solid #ffe066; }
.notice { border-radius: var(--radius); padding: 0.75rem 1rem; margin: 0 0 1rem; }
.notice-warn { background: var(--warn-bg); border: 1px solid #ffe066; color: #5c3c00; }
.notice-error { background: var(--danger-bg); border: 1px solid #ffc9c9; color: var(--danger); font-weight: 600; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.section { border-top: 1px solid var(--border); padding-top: 1rem; margin-top: 1rem; }
.section > legend { font-size: 1.0625rem; font-weight: 700; padding: 0; margin-bottom: 0.25rem; float: left; width: 100%; }
.section > legend + * { clear: both; }
.options { list-style: none; margin: 0.5rem 0 0; padding: 0; display: grid; gap: 0.5rem; }
.option { display: flex; gap: 0.75rem; align-items: flex-start; padding: 0.625rem 0.75rem; border: 1px solid var(--border); border-radius: var(--radius); cursor: pointer; background: var(--surface); }
.option:hover { border-color: #adb5bd; }
.option:has(input:checked) { border-color: var(--primary); background: #f3f6ff; }
.option input { flex: none; width: 1.25rem; height: 1.25rem; margin: 0.125rem 0 0; accent-color: var(--primary); cursor: pointer; }
.option-text { display: flex; flex-direction: column; gap: 0.125rem; min-width: 0; }
.option-title { font-weight: 600; overflow-wrap: anywhere; }
.option-meta { font-size: 0.875rem; color: var(--dimmed); overflow-wrap: anywhere; }
.tag { display: inline-block; font-size: 0.75rem; font-weight: 700; padding: 0 0.5rem; border-radius: 4px; margin-right: 0.375rem; text-transform: uppercase; letter-spacing: 0.03em; }
.tag-read { background: #e7f5ff; color: #1864ab; }
.tag-write { background: #fff4e6; color: #a13d00; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.8125rem; }
.business { border: 1px solid var(--border); border-radius: var(--radius); padding: 0.75rem; margin-top: 0.75rem; }
.business > legend { font-weight: 700; padding: 0 0.375rem; }
.business .options { margin-top: 0.25rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; justify-content: flex-start; border-top: 1px solid var(--border); margin-top: 1.25rem; padding-top: 1rem; }
button { font: inherit; font-weight: 600; border-radius: var(--radius); padding: 0.625rem 1.25rem; min-height: 2.75rem; cursor: pointer; border: 1px solid transparent; }
.primary { background: var(--primary); color: #fff; }
.primary:hover { background: var(--primary-dark); }
.secondary { background: var(--surface); color: var(--text); border-color: #ced4da; }
.secondary:hover { background: #f8f9fa; }
.field { margin-bottom: 1rem; }
.field label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.field input { width: 100%; font: inherit; padding: 0.5rem 0.75rem; border: 1px solid #ced4da; border-radius: var(--radius); min-height: 2.75rem; }
.field .hint { font-size: 0.875rem; color: var(--dimmed); margin: 0.25rem 0 0; }
@media (max-width: 480px) {
  main.card { border-radius: 0; border-left: 0; border-right: 0; padding: 1.125rem 1rem; }
  .brand { padding-top: 0.875rem; }
  .actions { flex-direction: column; }
  .actions button { width: 100%; }
}
`;

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole page: the brand line and one card holding `body`. */
export function cardPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Grantline</title><style>${PAGE_STYLE}</style></head>
<body><header class="brand"><span aria-hidden="true">●</span> Grantline</header>
<main class="card">
${body}
</main></body></html>`;
}

/** The page an OAuth step shows while the store is away (HTTP 503 with retry-after). */
export function unavailablePage(): string {
  return cardPage(
    "Temporarily unavailable",
    `<h1>Temporarily unavailable</h1><p class="notice notice-error" role="alert">Grantline cannot complete the app's request right now. Nothing was changed.</p><p class="muted">Try again in a few seconds. If this keeps happening, tell the people who run this Grantline.</p>`,
  );
}
