import type { first } from "./first.ts";

export const second: { name: string; next?: typeof first } = { name: "second" };
