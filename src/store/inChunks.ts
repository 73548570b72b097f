/**
 * A list in slices of `size` (500 by default): queries that name many ids (`where id in (…)`) go
 * in batches, well under every store's bound on parameters in one statement.
 */
export function inChunks<T>(list: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
