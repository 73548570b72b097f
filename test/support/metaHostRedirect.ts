import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { forwardTo } from "./graphProxy.ts";

/**
 * Sends a client that only knows `https://graph.facebook.com` (node-fb has no base-URL option) to a
 * Grantline server, without touching the client: an HTTPS proxy (the `HTTPS_PROXY` a job's
 * environment names) answers CONNECT for graph.facebook.com with a TLS endpoint whose certificate
 * is made here and trusted through `NODE_EXTRA_CA_CERTS`, and forwards each request to `target`.
 * `env` is what the client's process needs; `hosts` lists the hosts clients asked to reach.
 */
export async function startMetaHostRedirect(target: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meta-host-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", key, "-out", cert,
    "-subj", "/CN=graph.facebook.com", "-addext", "subjectAltName=DNS:graph.facebook.com",
  ], { stdio: "ignore" });

  const tls = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, forwardTo(target));
  const hosts: string[] = [];
  const proxy = http.createServer((_request, response) => {
    response.writeHead(405).end();
  });
  proxy.on("connect", (request: http.IncomingMessage, socket: import("node:net").Socket) => {
    hosts.push(request.url ?? "");
    if (request.url !== "graph.facebook.com:443") {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    tls.emit("connection", socket);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    env: { HTTPS_PROXY: `http://127.0.0.1:${port}`, NODE_EXTRA_CA_CERTS: cert },
    hosts,
    close: async () => {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      tls.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
