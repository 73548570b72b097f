/** The Autopilot decision engine's public surface: build a snapshot, call planAccount, act on the plan. */
export { planAccount, type PlanOptions } from "./engine.ts";
export { enforceGuardrails, capsConfigured, inQuietHours } from "./guardrails.ts";
export { applyPartnerGuardrails, partnerWindowClosed } from "./partnerGuardrails.ts";
export { calibrate, type Calibration } from "./calibration.ts";
export { creativeStandings, type AdSetStandings, type CreativeStanding, type RateEstimate } from "./creatives.ts";
export { DEFAULT_SETTINGS, type EngineSettings } from "./settings.ts";
export * from "./types.ts";
