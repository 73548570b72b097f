/**
 * Active ads per ad account for the ad-account quota (Meta: base + 40 points per active ad),
 * counted at most once per `maxAgeMs` per account, so sizing the quota costs no query on most
 * calls. A count may thus be up to `maxAgeMs` old, which only moves the quota's size by 40
 * points per ad started or stopped in that time; Meta itself recomputes it periodically.
 */
export class ActiveAdCounts {
  private readonly counts = new Map<string, { at: number; count: Promise<number> }>();

  constructor(
    private readonly count: (accountId: string) => Promise<number>,
    private readonly maxAgeMs = 60_000,
    private readonly clock: () => number = () => performance.now(),
    private readonly limit = 100_000,
  ) {}

  get(accountId: string): Promise<number> {
    const now = this.clock();
    const known = this.counts.get(accountId);
    if (known && now - known.at < this.maxAgeMs) return known.count;
    if (this.counts.size >= this.limit) this.counts.clear();
    // Concurrent calls share one count; a failed count is forgotten and retried by the next call.
    const count = this.count(accountId).catch((error: unknown) => {
      if (this.counts.get(accountId)?.count === count) this.counts.delete(accountId);
      throw error;
    });
    this.counts.set(accountId, { at: now, count });
    return count;
  }
}
