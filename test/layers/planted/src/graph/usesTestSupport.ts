// Planted violation: src/ imports test/.
import { buildThing } from "../../test/support/factory.ts";

export const thing = buildThing();
