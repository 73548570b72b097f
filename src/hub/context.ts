import { newRequestId } from "../ids.ts";
import type { PrincipalType } from "./access/accessIndex.ts";

/** Who performs a change: a person or system user, the platform operator (CLI), or the hub itself. */
export type Actor =
  | { type: PrincipalType; id: string }
  | { type: "operator" }
  | { type: "system" };

export interface RequestContext {
  requestId: string;
  actor: Actor;
  /** App the request came through (an app token), if any. */
  appId?: string | null;
  /** Token scopes, when the actor acts through a token; undefined means unrestricted. */
  scopes?: ReadonlySet<string>;
  grantId?: string | null;
  /** The one asset a Page access token reaches, when the actor acts through one. */
  assetLimit?: string | null;
  /**
   * Meta's `execution_options=["validate_only"]`: a command runs its checks and its writes in its
   * transaction and then rolls them back, so the caller learns whether the real call would pass.
   */
  validateOnly?: boolean;
}

export function operatorContext(requestId = newRequestId()): RequestContext {
  return { requestId, actor: { type: "operator" } };
}

export function systemContext(requestId = newRequestId()): RequestContext {
  return { requestId, actor: { type: "system" } };
}

export function principalContext(type: PrincipalType, id: string, requestId = newRequestId()): RequestContext {
  return { requestId, actor: { type, id } };
}
