import crypto from "node:crypto";

/**
 * A new numeric id in Meta's style (16 digits, never starting with 0). People, businesses, system
 * users, assets, shares and apps share one id space, so a principal id is unambiguous on its own.
 */
export function newId(): string {
  // randomInt's range is capped at 2^48, so the 15 random digits come in two draws.
  const first = crypto.randomInt(1, 10);
  const high = crypto.randomInt(0, 1e8).toString().padStart(8, "0");
  const low = crypto.randomInt(0, 1e7).toString().padStart(7, "0");
  return `${first}${high}${low}`;
}

const REQUEST_ID_BYTES = 12;
// Random bytes drawn in bulk: one draw per request was a measurable share of a cheap Graph read.
const requestIdPool = Buffer.alloc(REQUEST_ID_BYTES * 256);
let requestIdOffset = requestIdPool.length;

/** A request id for logs and the audit trail; Graph responses carry it as `fbtrace_id`. */
export function newRequestId(): string {
  if (requestIdOffset === requestIdPool.length) {
    crypto.randomFillSync(requestIdPool);
    requestIdOffset = 0;
  }
  const id = requestIdPool.toString("base64url", requestIdOffset, requestIdOffset + REQUEST_ID_BYTES);
  requestIdOffset += REQUEST_ID_BYTES;
  return id;
}
