import type { AccessEngine } from "./accessEngine.ts";

/**
 * A read cache whose entries hold only while no access change has been applied since they were
 * read. Every change to tokens, grants, shares, assignments, people and assets records an access
 * change (runCommand's `tx.changed`), which moves the engine's applied sequence; on this instance
 * at once, on others when they next `ensureCurrent`. So an entry can never outlive a change the
 * engine has seen, and is exactly as fresh as the access checks made beside it.
 */
export class ChangeSeqCache<V> {
  private readonly entries = new Map<string, { seq: number; value: V }>();

  constructor(
    private readonly engine: AccessEngine,
    private readonly limit = 10_000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.seq === this.engine.appliedSeq) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * Reads through the cache. The sequence is taken before the read, so a change that commits
   * while the read runs leaves the entry already stale rather than wrongly current.
   */
  async read(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const seq = this.engine.appliedSeq;
    const value = await load();
    if (value !== undefined) {
      if (this.entries.size >= this.limit) this.entries.clear();
      this.entries.set(key, { seq, value });
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
