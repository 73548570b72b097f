import type http from "node:http";
import type { Socket } from "node:net";

export interface ConnectionTracker {
  /**
   * Shutdown begins: every connection without a request in flight closes now, and each of the
   * others as soon as its last response is sent.
   */
  drain(): void;
  /** The grace is over: every connection closes now, answered or not. */
  closeAll(): void;
  /** Requests being answered now. */
  readonly inFlight: number;
}

/**
 * Counts an HTTP server's requests per connection. `server.close()` alone closes only the
 * keep-alive connections idle at that moment: a connection opened but not yet used (browsers and
 * load balancers open them ahead), or one whose request was still running, stays open until its
 * keep-alive or header timeout — more than a minute — and holds the process with it.
 */
export function trackConnections(server: http.Server): ConnectionTracker {
  const requests = new Map<Socket, number>();
  let draining = false;
  server.on("connection", (socket: Socket) => {
    // Between shutdown's start and the listener closing, a new connection is not taken on.
    if (draining) return void socket.destroy();
    requests.set(socket, 0);
    socket.once("close", () => requests.delete(socket));
  });
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    requests.set(socket, (requests.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const left = (requests.get(socket) ?? 1) - 1;
      if (!requests.has(socket)) return;
      requests.set(socket, left);
      // After the response is written: end() sends it all before closing.
      if (draining && left === 0) socket.end();
    });
  });
  return {
    drain() {
      draining = true;
      for (const [socket, count] of requests) if (count === 0) socket.destroy();
    },
    closeAll() {
      for (const socket of requests.keys()) socket.destroy();
    },
    get inFlight() {
      let count = 0;
      for (const n of requests.values()) count += n;
      return count;
    },
  };
}
