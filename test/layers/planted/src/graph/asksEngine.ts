// Planted violation: the Graph layer decides with the access engine instead of a hub/access function.
import { AccessEngine } from "../hub/access/accessEngine.ts";

export const allowed = new AccessEngine().check();
