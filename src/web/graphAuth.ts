import type { FastifyRequest } from "fastify";
import crypto from "node:crypto";
import { errors } from "../errors.ts";
import type { RequestContext } from "../hub/context.ts";
import type { Hub } from "../hub/hub.ts";
import type { ResolvedToken } from "../hub/tokens/accessToken.service.ts";
import { accessTokenOf, tokenRequired } from "../requestToken.ts";

export { accessTokenOf, tokenRequired };

declare module "fastify" {
  interface FastifyRequest {
    /** The Graph token that authenticated this request, once it has: for the request log line (app and business). */
    graphToken: ResolvedToken | null;
  }
}

/** The caller of a Graph request: the token's principal, limited by its scopes and app grant. */
export interface GraphCaller {
  ctx: RequestContext;
  token: ResolvedToken;
  /** The raw token, to put into `next`/`previous` paging URLs. */
  accessToken: string;
}

/** Keys the mark batch items carry; random per process, since items are dispatched in process. */
const batchKey = crypto.randomBytes(32);
const BATCH_PROOF_HEADER = "x-grantline-batch-proof";

function batchMark(accessToken: string): string {
  return crypto.createHmac("sha256", batchKey).update(accessToken).digest("hex");
}

/**
 * Headers for an item of a batch whose own request was authenticated with `caller`'s token: Meta
 * checks the batch's `appsecret_proof` once and lets it cover the items that use the batch's token.
 * An item naming its own access_token does not match the mark and needs its own proof.
 * https://developers.facebook.com/docs/graph-api/batch-requests (access tokens per item)
 */
export function batchItemHeaders(caller: GraphCaller): Record<string, string> {
  return { [BATCH_PROOF_HEADER]: batchMark(caller.accessToken) };
}

function provenByBatch(request: FastifyRequest, accessToken: string): boolean {
  const mark = request.headers[BATCH_PROOF_HEADER];
  if (typeof mark !== "string" || !/^[0-9a-f]{64}$/.test(mark)) return false;
  return crypto.timingSafeEqual(Buffer.from(mark, "hex"), Buffer.from(batchMark(accessToken), "hex"));
}

export async function authenticate(hub: Hub, request: FastifyRequest, accessToken = accessTokenOf(request)): Promise<GraphCaller> {
  if (!accessToken) throw tokenRequired();
  const token = await hub.tokens.resolve(accessToken);
  request.graphToken = token;
  if (token.appId && !provenByBatch(request, accessToken)) await checkAppSecretProof(hub, request, token.appId, accessToken);
  return {
    token,
    accessToken,
    ctx: {
      requestId: request.id,
      actor: { type: token.principalType, id: token.principalId },
      appId: token.appId,
      scopes: token.scopes,
      grantId: token.grantId ?? null,
      assetLimit: token.assetLimit ?? null,
    },
  };
}

/** Apps that require it must sign every call: appsecret_proof = HMAC-SHA256(app secret, access token), hex. */
async function checkAppSecretProof(hub: Hub, request: FastifyRequest, appId: string, accessToken: string): Promise<void> {
  const app = await hub.appRegistry.get(appId);
  const query = request.query as Record<string, unknown> | undefined;
  const body = request.body && typeof request.body === "object" ? (request.body as Record<string, unknown>) : undefined;
  const proof = query?.appsecret_proof ?? body?.appsecret_proof;
  if (!app?.requireAppsecretProof && proof === undefined) return;
  const secret = await hub.appRegistry.openSecret(appId);
  // Only apps registered with the proof required keep a recoverable secret; others' proofs cannot be checked and are ignored.
  if (!app?.requireAppsecretProof && secret === undefined) return;
  if (typeof proof !== "string" || !proof) throw errors.appSecretProofRequired();
  const expected = secret ? crypto.createHmac("sha256", secret).update(accessToken).digest() : Buffer.alloc(32);
  const given = Buffer.from(proof, "hex");
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw errors.appSecretProofInvalid();
}
