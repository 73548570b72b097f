import { z } from "zod";
import { FIELD_LIMITS } from "../../fieldLimits.ts";
import { unsafeCharacterIn } from "../../inputLimits.ts";

/** A person's (or business's) display name: trimmed, not empty, within the field limit, no control or direction-override characters. */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(FIELD_LIMITS.name, `must be at most ${FIELD_LIMITS.name} characters`)
  .refine((t) => unsafeCharacterIn(t) === undefined, "must not contain control or direction-override characters");
