import { refusalFor, subjectOf } from "../hub/access/authorize.ts";
import type { ActionName } from "../hub/catalogue/actions.ts";
import type { GraphCall } from "./graphTypes.ts";

/**
 * Authorizes a Graph read or write on an asset. Callers with some relation to the asset (part of
 * its owner, or of a business it is shared with) get the engine's explanation; strangers get the
 * same answer as for an asset that does not exist.
 */
export function requireAsset(call: GraphCall, action: ActionName, assetId: string, graphId = assetId): void {
  const engine = call.hub.engine;
  const subject = subjectOf(call.caller.ctx);
  if (!subject) return;
  if (engine.check(subject, action, assetId)) return;
  throw refusalFor(engine, subject, action, assetId, graphId);
}
