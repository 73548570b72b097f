import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OutboundError, OutboundHttp, systemResolver, type OutboundRequest, type Resolver } from "./outbound.ts";

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A real server on 127.0.0.1 that records what reached it. */
async function listen(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end("hello")) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  opened.push(close);
  return { port, origin: `http://127.0.0.1:${port}`, seen };
}

const opened: (() => Promise<void>)[] = [];
const guards: OutboundHttp[] = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
  for (const guard of guards.splice(0)) guard.close();
});

const guard = (...args: ConstructorParameters<typeof OutboundHttp>) => {
  const made = new OutboundHttp(...args);
  guards.push(made);
  return made;
};

/** The error a call ends with (it must end with one). */
async function failure(outbound: OutboundHttp, url: string, init?: OutboundRequest): Promise<OutboundError> {
  const error = await outbound.fetch(url, init).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

/** A resolver for made-up names, as DNS would answer them. */
const names =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

describe("the outbound guard", () => {
  it("refuses every spelling of an internal address, names that resolve to one included, and never connects", async () => {
    const { port, seen } = await listen();
    const outbound = guard({
      resolve: names({ "intranet.test": ["127.0.0.1"], "mixed.test": ["93.184.216.34", "10.0.0.7"], "metadata.test": ["fd00:ec2::254"] }),
    });
    const urls = [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `http://LOCALHOST.:${port}/`,
      `http://api.localhost:${port}/`,
      `http://2130706433:${port}/`,
      `http://0177.0.0.1:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://127.1:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::127.0.0.1]:${port}/`,
      `http://[::1]:${port}/`,
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/",
      "http://[::ffff:169.254.169.254]/",
      "http://10.0.0.1/",
      "http://192.168.0.1/",
      "http://100.64.0.1/",
      "http://0.0.0.0/",
      "http://[::]/",
      "http://224.0.0.1/",
      "http://255.255.255.255/",
      "http://192.0.2.1/",
      "http://[fe80::1]/",
      "http://[64:ff9b::a00:1]/",
      "http://[2002:a00:1::1]/",
      `http://intranet.test:${port}/`,
      "https://mixed.test/",
      "http://metadata.test/",
    ];
    for (const url of urls) {
      const error = await failure(outbound, url);
      expect({ url, reason: error.reason }).toEqual({ url, reason: "refused" });
      expect(error.message).toMatch(/^This address is not allowed: \S+ (is|resolves to) an internal address\.$/);
    }
    expect(seen).toEqual([]);
  });

  it("reads names from the system's resolver (/etc/hosts) and refuses what they point inside", async () => {
    const { port, seen } = await listen();
    // Any name the machine resolves to the loopback, as /etc/hosts resolves localhost.
    const outbound = guard({ resolve: async (hostname) => systemResolver(hostname === "intranet.test" ? "localhost" : hostname) });
    expect((await failure(outbound, `http://intranet.test:${port}/`)).message).toBe("This address is not allowed: intranet.test resolves to an internal address.");
    expect(seen).toEqual([]);
  });

  it("calls only http and https URLs", async () => {
    const outbound = guard({ allowPrivate: true });
    for (const url of ["ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1:70/", "not a url"]) {
      const error = await failure(outbound, url);
      expect(error).toMatchObject({ reason: "invalid_url", message: "Only http and https URLs can be called." });
    }
  });

  it("calls internal addresses when the operator allows them, and says only 'could not connect' when nothing answers", async () => {
    const { origin, seen } = await listen();
    const outbound = guard({ allowPrivate: true });
    const answer = await outbound.fetch(`${origin}/path?q=1`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect({ status: answer.status, text: answer.text() }).toEqual({ status: 200, text: "hello" });
    expect(seen).toMatchObject([{ method: "POST", path: "/path?q=1" }]);

    // A port just released: nothing listens there.
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const error = await failure(outbound, `http://127.0.0.1:${port}/`);
    expect(error).toMatchObject({ reason: "unreachable", message: "Could not connect to 127.0.0.1." });
  });

  it("calls trusted origins whatever they resolve to, and nothing else on the same address", async () => {
    const trustedServer = await listen();
    const other = await listen();
    const outbound = guard({ trustedOrigins: [trustedServer.origin] });
    expect((await outbound.fetch(`${trustedServer.origin}/ok`)).status).toBe(200);
    expect((await failure(outbound, `${other.origin}/`)).reason).toBe("refused");
    expect(other.seen).toEqual([]);
    await expect(outbound.check(`${trustedServer.origin}/x`)).resolves.toBeUndefined();
    await expect(outbound.check(`${other.origin}/x`)).rejects.toMatchObject({ reason: "refused" });
  });

  it("checks every redirect hop: a trusted page sending the caller to an internal address is refused", async () => {
    const inside = await listen();
    const first = await listen((req, res) => {
      if (req.url === "/same") res.writeHead(302, { location: "/final" }).end();
      else if (req.url === "/final") res.end("landed");
      else res.writeHead(302, { location: `${inside.origin}/admin` }).end();
    });
    const outbound = guard({ trustedOrigins: [first.origin] });

    const refused = await failure(outbound, `${first.origin}/go`, { redirect: "follow" });
    expect(refused).toMatchObject({ reason: "refused", message: "This address is not allowed: 127.0.0.1 is an internal address." });
    expect(inside.seen).toEqual([]);

    const followed = await outbound.fetch(`${first.origin}/same`, { redirect: "follow" });
    expect({ status: followed.status, text: followed.text(), url: followed.url }).toEqual({ status: 200, text: "landed", url: `${first.origin}/final` });

    // Not asked to follow: the 3xx is the answer.
    const manual = await outbound.fetch(`${first.origin}/go`);
    expect(manual.status).toBe(302);
    expect(inside.seen).toEqual([]);
  });

  it("drops credentials on a redirect to another origin, and stops after too many redirects", async () => {
    const second = await listen();
    const first = await listen((req, res) => {
      if (req.url === "/loop") res.writeHead(307, { location: "/loop" }).end();
      else res.writeHead(307, { location: `${second.origin}/next` }).end();
    });
    const outbound = guard({ allowPrivate: true });
    await outbound.fetch(`${first.origin}/`, { redirect: "follow", headers: { authorization: "Bearer secret", "x-kept": "1" } });
    expect(first.seen[0]!.headers.authorization).toBe("Bearer secret");
    expect(second.seen[0]!.headers.authorization).toBeUndefined();
    expect(second.seen[0]!.headers["x-kept"]).toBe("1");

    expect(await failure(outbound, `${first.origin}/loop`, { redirect: "follow", maxRedirects: 3 })).toMatchObject({ reason: "too_many_redirects" });
    expect(first.seen.filter((s) => s.path === "/loop")).toHaveLength(4);
  });

  it("connects to the address it checked, even when the name resolves elsewhere a moment later", async () => {
    const { port, seen } = await listen();
    const answers: string[][] = [["127.0.0.1"], ["127.0.0.2"]];
    let lookups = 0;
    // A rebinding name: the first answer is the one checked; any later look-up would point elsewhere
    // (127.0.0.2, where nothing listens).
    const outbound = guard({
      allowPrivate: true,
      resolve: async () => (answers[Math.min(lookups++, answers.length - 1)] ?? []).map((address) => ({ address, family: 4 as const })),
    });
    const answer = await outbound.fetch(`http://rebind.test:${port}/hook`);
    expect(answer.text()).toBe("hello");
    expect(lookups).toBe(1);
    // The name stays the URL's own: Host header (and TLS server name) are not the address.
    expect(seen).toMatchObject([{ path: "/hook", headers: { host: `rebind.test:${port}` } }]);
  });

  it("refuses a name whose only answer is internal, and lets a name that does not resolve pass the save-time check", async () => {
    const outbound = guard({ resolve: names({ "intranet.test": ["10.1.2.3"] }) });
    await expect(outbound.check("https://intranet.test/hook")).rejects.toMatchObject({ reason: "refused", message: "This address is not allowed: intranet.test resolves to an internal address." });
    await expect(outbound.check("https://not-yet.test/hook")).resolves.toBeUndefined();
    expect(await failure(outbound, "https://not-yet.test/hook")).toMatchObject({ reason: "unreachable", message: "Could not connect to not-yet.test." });
    await expect(outbound.check("ftp://intranet.test/")).rejects.toMatchObject({ reason: "invalid_url" });
  });

  it("does not look names up at save time when internal addresses are allowed", async () => {
    let lookups = 0;
    const outbound = guard({ allowPrivate: true, resolve: async () => (lookups++, []) });
    await outbound.check("https://anything.test/");
    expect(lookups).toBe(0);
  });

  it("ends a call that gets no answer within its time, with neutral words", async () => {
    const { origin } = await listen(() => undefined);
    const error = await failure(guard({ allowPrivate: true }), `${origin}/slow`, { timeoutMs: 200 });
    expect(error).toMatchObject({ reason: "timeout", message: "No answer within 200 ms." });
  });

  it("reads at most maxBytes of an answer: cut when asked, refused otherwise", async () => {
    const { origin } = await listen((_req, res) => res.end("x".repeat(5000)));
    const outbound = guard({ allowPrivate: true });
    const cut = await outbound.fetch(origin, { maxBytes: 1024, overflow: "truncate" });
    expect({ length: cut.body.length, truncated: cut.truncated }).toEqual({ length: 1024, truncated: true });
    expect(await failure(outbound, origin, { maxBytes: 1024 })).toMatchObject({ reason: "too_large" });
    const whole = await outbound.fetch(origin, { maxBytes: 5000 });
    expect({ length: whole.body.length, truncated: whole.truncated }).toEqual({ length: 5000, truncated: false });
  });
});
