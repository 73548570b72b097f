/**
 * The few distributions the engine needs: Gamma and Beta posteriors (CDFs, quantiles, draws).
 * Draws come from the simulator's seeded generator so a plan is reproducible from its inputs.
 */
import { hashSeed, Mulberry32, type Rng } from "../../random.ts";

export type { Rng };

export function seededRng(...parts: readonly (number | string)[]): Rng {
  return new Mulberry32(hashSeed(...parts));
}

/** A Gamma(shape, rate) posterior. */
export interface GammaPosterior {
  shape: number;
  rate: number;
}

export const gammaMean = (g: GammaPosterior): number => g.shape / g.rate;

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x): series below a+1, continued fraction above. */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (!Number.isFinite(x)) return 1;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-12) break;
    }
    return Math.min(1, sum * Math.exp(lnPrefix));
  }
  // Lentz's continued fraction for Q(a, x).
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-12) break;
  }
  return Math.max(0, 1 - Math.exp(lnPrefix) * h);
}

/** P(X ≤ x) for X ~ Gamma(shape, rate). */
export function gammaCdf(g: GammaPosterior, x: number): number {
  return regularizedGammaP(g.shape, x * g.rate);
}

const Z80 = 1.2815515655446004;

/** Quantile by the Wilson–Hilferty cube-root normal approximation (good to a few % for shape ≥ 0.5). */
export function gammaQuantile(g: GammaPosterior, z: number): number {
  const a = g.shape;
  const v = 1 / (9 * a);
  const base = 1 - v + z * Math.sqrt(v);
  return base <= 0 ? 0 : (a * base * base * base) / g.rate;
}

/** 10% and 90% quantiles. */
export function gammaInterval80(g: GammaPosterior): { low: number; high: number } {
  return { low: gammaQuantile(g, -Z80), high: gammaQuantile(g, Z80) };
}

/** A draw; large shapes use the Wilson–Hilferty transform of one normal draw (exact enough, several times cheaper). */
export function sampleGamma(rng: Rng, g: GammaPosterior): number {
  if (g.shape >= 10) {
    const v = 1 / (9 * g.shape);
    const base = 1 - v + rng.normal() * Math.sqrt(v);
    return base <= 0 ? 0 : (g.shape * base * base * base) / g.rate;
  }
  return rng.gamma(g.shape, 1 / g.rate);
}

/** A Beta(alpha, beta) posterior. */
export interface BetaPosterior {
  alpha: number;
  beta: number;
}

export const betaMean = (b: BetaPosterior): number => b.alpha / (b.alpha + b.beta);

/** 80% interval by the normal approximation on the mean (enough for display). */
export function betaInterval80(b: BetaPosterior): { low: number; high: number } {
  const n = b.alpha + b.beta;
  const m = b.alpha / n;
  const sd = Math.sqrt((m * (1 - m)) / (n + 1));
  return { low: Math.max(0, m - Z80 * sd), high: Math.min(1, m + Z80 * sd) };
}

/** P(X < Y) for independent Beta posteriors, by the normal approximation. */
export function probBetaLess(x: BetaPosterior, y: BetaPosterior): number {
  const var_ = (b: BetaPosterior) => {
    const n = b.alpha + b.beta;
    return (b.alpha * b.beta) / (n * n * (n + 1));
  };
  const diff = betaMean(y) - betaMean(x);
  const sd = Math.sqrt(var_(x) + var_(y));
  return sd > 0 ? normalCdf(diff / sd) : diff > 0 ? 1 : 0;
}

export function normalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** P(X < c·Y) for independent Gamma posteriors, by the log-normal approximation of each (fine once shapes pass ~2). */
export function probGammaLess(x: GammaPosterior, y: GammaPosterior, c = 1): number {
  // log Gamma(a, r) ≈ Normal(ψ(a) − ln r, ψ'(a)); ψ(a) ≈ ln a − 1/(2a), ψ'(a) ≈ 1/a + 1/(2a²).
  const mu = (g: GammaPosterior) => Math.log(g.shape) - 1 / (2 * g.shape) - Math.log(g.rate);
  const v = (g: GammaPosterior) => 1 / g.shape + 1 / (2 * g.shape * g.shape);
  const diff = mu(y) + Math.log(c) - mu(x);
  return normalCdf(diff / Math.sqrt(v(x) + v(y)));
}

/** Mean and variance of log X for X ~ Beta(alpha, beta) (digamma and trigamma by their asymptotic series; alpha, beta ≥ 1 here). */
export function logBetaMoments(b: BetaPosterior): { mu: number; v: number } {
  return { mu: digamma(b.alpha) - digamma(b.alpha + b.beta), v: Math.max(0, trigamma(b.alpha) - trigamma(b.alpha + b.beta)) };
}

function digamma(x: number): number {
  let shift = 0;
  while (x < 6) {
    shift -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return shift + Math.log(x) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 / 252));
}

function trigamma(x: number): number {
  let shift = 0;
  while (x < 6) {
    shift += 1 / (x * x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return shift + inv + 0.5 * inv2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 / 42));
}
