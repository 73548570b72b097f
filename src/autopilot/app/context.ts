import type { SecretBox } from "../../crypto/secretBox.ts";
import type { OutboundHttp } from "../../net/outbound.ts";
import type { ForecastRequest, ImpactForecast } from "../../impactForecast.ts";
import type { AutopilotDb } from "../store/database.ts";
import type { AlertSink } from "./alerts.ts";
import type { DayTotals } from "./pilot/pilotStats.ts";
import type { Planner } from "./planner.ts";

/** Runs a plan's edits forward on a fork of the simulated market against doing nothing (the hub's simulator). */
export type ImpactSimulator = (request: ForecastRequest) => Promise<ImpactForecast>;

/**
 * The simulated market's no-change counterfactual for pilots (the hub's simulator): the market's
 * state for some accounts kept at a pilot's start, and later those accounts replayed from it with
 * nothing changed, day by day, as the market reports them now.
 */
export interface MarketReplay {
  /** The state to replay from, opaque; null when the market has none of these accounts. */
  checkpoint(accountIds: string[]): Promise<string | null>;
  /** The accounts' summed daily totals from the checkpoint's day to the market's latest day. */
  replay(checkpoint: string): Promise<DayTotals[]>;
}

/** What every Autopilot service is built on: its own tables, the clock, sealing, alerts, the engine. */
export interface AutopilotDeps {
  db: AutopilotDb;
  now: () => number;
  secretBox: () => SecretBox;
  alerts: AlertSink;
  /** The decision engine; without one, `plan` and `run` say so instead of deciding anything. */
  planner?: Planner | undefined;
  /** Per-call timeout of Graph requests; default 30 s. */
  graphTimeoutMs?: number | undefined;
  /** Sleep used for backing off (tests pass one that records instead of waiting). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** The simulator that previews a plan's impact ("simulate impact"); absent when none is at hand. */
  simulator?: ImpactSimulator | undefined;
  /** The no-change counterfactual of pilots; absent off the simulator. */
  market?: MarketReplay | undefined;
  /** Every HTTP call Autopilot makes (Graph, OAuth, landing pages) goes through it. */
  http: OutboundHttp;
  /** Timeout and attempts of destination URL checks. */
  urlCheck?: { timeoutMs: number; attempts: number; retryDelayMs: number } | undefined;
}
