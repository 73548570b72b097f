/** The planted tree's named decision for the Graph layer. */
export function requireAsset(allowed: boolean): void {
  if (!allowed) throw new Error("refused");
}
