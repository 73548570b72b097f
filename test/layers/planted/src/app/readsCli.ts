// Planted violation: the composition root imports the CLI above it.
import { started } from "../cli/main.ts";

export const again = started;
