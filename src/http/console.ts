import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build:console` writes the production build of the web console. */
export const CONSOLE_BUILD_DIR = path.resolve(fileURLToPath(new URL("../../dist/console", import.meta.url)));
export const CONSOLE_PREFIX = "/console/";
/**
 * What the build writes where each response's CSP nonce goes (console/vite.config.ts `html.cspNonce`):
 * on its tags and in `<meta property="csp-nonce">`, from which Mantine takes it for its <style> elements.
 */
export const CSP_NONCE_PLACEHOLDER = "GRANTLINE_CSP_NONCE";

/** Hashed files never change under their name; index.html must be revalidated so a new build is picked up. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the built console under /console/: hashed assets with long-lived caching, and index.html
 * for every other path below it so the app's own routes survive a reload. Without a build the
 * console answers 503 with how to make one.
 */
export async function registerConsole(app: FastifyInstance, dir = CONSOLE_BUILD_DIR): Promise<void> {
  app.get("/console", async (_request, reply) => reply.redirect(CONSOLE_PREFIX));
  if (!existsSync(path.join(dir, "index.html"))) {
    app.get("/console/*", async (_request, reply) =>
      reply.code(503).type("text/plain").send("The web console is not built. Run `npm run build:console` and restart the hub.\n"),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: CONSOLE_PREFIX,
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (res, filePath) => {
      const relative = path.relative(dir, filePath);
      res.setHeader("cache-control", relative.startsWith(`assets${path.sep}`) ? IMMUTABLE : "no-cache");
    },
  });
  // Read on every request (a new build is picked up, as the no-cache header promises) to put in the nonce.
  const sendApp = async (_request: unknown, reply: import("fastify").FastifyReply) => {
    const html = await readFile(path.join(dir, "index.html"), "utf8");
    return reply
      .header("cache-control", "no-cache")
      .type("text/html; charset=utf-8")
      .send(html.replaceAll(CSP_NONCE_PLACEHOLDER, reply.cspNonce.style));
  };
  app.get(CONSOLE_PREFIX, sendApp);
  // A missing hashed asset is a real 404, not the app.
  app.get("/console/assets/*", async (_request, reply) => reply.code(404).type("text/plain").send("Not found\n"));
  app.get("/console/*", sendApp);
}
