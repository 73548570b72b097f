// Allowed: the CLI, the process entry, calls the composition root.
import { openPlanted } from "../app/openPlanted.ts";

export const started = openPlanted();
