/**
 * Seeded random numbers, shared by the delivery simulator, the Autopilot engine and the hub's
 * insights breakdowns. Nothing here reads Math.random or the clock: the same seed gives the same
 * sequence on every platform (all arithmetic is 32-bit integer or IEEE double, which JavaScript fixes).
 */

/** A 32-bit hash of numbers and strings (FNV-1a, then a murmur3 finalizer), for deriving seeds. */
export function hashSeed(...parts: readonly (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === "number" ? `#${part}` : `$${part}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A source of uniform 32-bit integers plus the distributions the market model draws from.
 * Subclasses choose the generator; `derive` makes an independent stream of the same kind.
 */
export abstract class Rng {
  private spareNormal: number | undefined;

  abstract nextUint32(): number;
  /** An independent stream keyed by `key`, of the same generator kind. */
  abstract derive(key: number): Rng;

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform on [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Log-uniform on [lo, hi): spreads values evenly across orders of magnitude. */
  logBetween(lo: number, hi: number): number {
    return Math.exp(this.between(Math.log(lo), Math.log(hi)));
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Normal by Box–Muller; the second value of each pair is kept for the next call. */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal multiplier with mean exactly 1 and log-scale spread `sigma`. */
  meanOneLogNormal(sigma: number): number {
    return Math.exp(sigma * this.normal() - (sigma * sigma) / 2);
  }

  /** Gamma(shape, scale) by Marsaglia–Tsang; shapes below 1 use the boost u^(1/shape). */
  gamma(shape: number, scale = 1): number {
    if (shape <= 0) return 0;
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = this.uniform();
      return this.gamma(shape + 1, scale) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /**
   * Poisson: Knuth's product method for λ < 30, else a rounded normal (the skew left out at
   * λ ≥ 30 is under 0.2, far below the model's own noise).
   */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.uniform();
      while (p > limit) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /**
   * Negative binomial with the given mean and dispersion r (variance = mean + mean²/r), as a
   * gamma–Poisson mixture: over-dispersed counts such as daily conversions.
   */
  negativeBinomial(mean: number, dispersion: number): number {
    if (!(mean > 0)) return 0;
    return this.poisson(this.gamma(dispersion, mean / dispersion));
  }

  /** An index drawn from cumulative weights ending at 1. */
  pickCumulative(cumulative: readonly number[]): number {
    const u = this.uniform();
    for (let i = 0; i < cumulative.length; i++) if (u < cumulative[i]!) return i;
    return cumulative.length - 1;
  }
}

/** mulberry32: one 32-bit word of state, fast and good enough for simulation. */
export class Mulberry32 extends Rng {
  private state: number;

  constructor(seed: number) {
    super();
    this.state = seed >>> 0;
  }

  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  derive(key: number): Rng {
    return new Mulberry32(hashSeed(this.state, key));
  }
}

/**
 * A stateless generator: every draw hashes the stream's text key with a counter. Deterministic and
 * order-independent, but each draw costs a string hash; the simulator bench uses it as the naive
 * baseline against Mulberry32.
 */
export class KeyedHashRng extends Rng {
  private counter = 0;

  constructor(private readonly key: string) {
    super();
  }

  nextUint32(): number {
    return hashSeed(this.key, this.counter++);
  }

  derive(key: number): Rng {
    return new KeyedHashRng(`${this.key}/${key}`);
  }
}

export function seededRng(seed: number): Rng {
  return new Mulberry32(seed);
}
