/** A type of the planted tree's access index. */
export interface AccessIndex {
  size: number;
}
