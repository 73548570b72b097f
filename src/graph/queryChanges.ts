/**
 * A request's query string with some parameters replaced, as paging links need it: exactly what
 * `URLSearchParams` gives after `set` (or `delete`, for an undefined value) of each change and then
 * `set("access_token", …)`, but built pair by pair from a cache of each pair's form encoding. A
 * list's every page asks for the same pairs, so parsing and re-encoding the whole query on every
 * answer was about 2% of a list call's time.
 *
 * A changed key keeps the place of its first occurrence and loses its repeats; a key the query did
 * not have goes last, in the order of `changes`, and the token after them.
 */
export function withChanges(query: string, changes: Record<string, string | undefined>, accessToken: string): string {
  const out: string[] = [];
  const placed = new Set<string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    // The token's own pair is replaced whatever it holds: no need to decode it.
    const [key, encoded] = pair.startsWith(TOKEN_PREFIX) ? TOKEN_PAIR : formPair(pair);
    if (key !== "access_token" && !Object.hasOwn(changes, key)) out.push(encoded);
    else if (!placed.has(key)) {
      placed.add(key);
      const value = key === "access_token" ? accessToken : changes[key];
      if (value !== undefined) out.push(formEncode(key, value));
    }
  }
  for (const key in changes) {
    const value = changes[key];
    if (!placed.has(key) && value !== undefined) out.push(formEncode(key, value));
  }
  if (!placed.has("access_token")) out.push(formEncode("access_token", accessToken));
  return out.join("&");
}

/** Raw pair → [its decoded key, the pair as URLSearchParams serializes it]. Pairs carrying a secret are never kept. */
const formPairs = new Map<string, [string, string]>();
const SECRET_KEYS = new Set(["access_token", "appsecret_proof"]);
const MAX_KEPT = 1000;

function formPair(raw: string): [string, string] {
  const known = formPairs.get(raw);
  if (known) return known;
  const parsed = new URLSearchParams(raw);
  // A non-empty pair always parses to one entry ("a" is ["a", ""], "=" is ["", ""]).
  const [key] = parsed.keys();
  const pair: [string, string] = [key ?? "", parsed.toString()];
  if (!SECRET_KEYS.has(pair[0])) {
    if (formPairs.size >= MAX_KEPT) formPairs.clear();
    formPairs.set(raw, pair);
  }
  return pair;
}

const TOKEN_PREFIX = "access_token=";
const TOKEN_PAIR: [string, string] = ["access_token", ""];

/**
 * What the form serializer leaves as it is (ASCII alphanumerics and `*-._`, WHATWG URL's
 * application/x-www-form-urlencoded serializer): tokens, numbers and most cursors are only that.
 */
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/;

function formEncode(key: string, value: string): string {
  if (FORM_SAFE.test(key) && FORM_SAFE.test(value)) return `${key}=${value}`;
  return new URLSearchParams([[key, value]]).toString();
}
