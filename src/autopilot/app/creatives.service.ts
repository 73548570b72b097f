import { errors } from "../../errors.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import { creativeStandings, type RateEstimate } from "../engine/creatives.ts";
import type { ActionService } from "./action.service.ts";
import { latestCompletedScan, type ConnectionRow } from "../store/autopilot.repository.ts";
import type { AutopilotDeps } from "./context.ts";
import { toEngineSnapshot } from "./engineAdapter.ts";
import type { CreativeReport, CreativeView } from "./views.ts";
import type { WorkspaceService } from "./workspace.service.ts";

export type { CreativeReport, CreativeView };

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const rate = (r: RateEstimate): RateEstimate => ({ mean: round(r.mean), low: round(r.low), high: round(r.high) });

/** Each ad set's creatives on the latest scan, as the decision engine weighs them. */
export class CreativeService {
  constructor(
    private readonly deps: AutopilotDeps,
    private readonly workspaces: WorkspaceService,
    private readonly actions: ActionService,
  ) {}

  /** Every active connection's standings, or only the one named (its id or act_<id>); an account not scanned yet has none. */
  async standings(workspaceIdOrName: string, connection?: string): Promise<CreativeReport[]> {
    const workspace = await this.workspaces.require(workspaceIdOrName);
    const all = (await this.workspaces.connections(workspace.id)).filter((c) => c.status === "active");
    const chosen = connection === undefined ? all : all.filter((c) => named(c, connection));
    if (connection !== undefined && chosen.length === 0) throw errors.invalidParameter(`Workspace ${workspace.name} has no active connection ${connection}.`);
    const out: CreativeReport[] = [];
    for (const c of chosen) {
      if (!(await latestCompletedScan(this.deps.db, c.id))?.objects_json) {
        out.push({ connection: c.id, ad_account_id: adAccountGraphId(c.ad_account_id), through: null, ad_sets: [] });
        continue;
      }
      const snapshot = await this.actions.currentSnapshot(workspace, c, this.deps.now());
      const sets = creativeStandings(toEngineSnapshot(snapshot));
      out.push({
        connection: c.id,
        ad_account_id: adAccountGraphId(c.ad_account_id),
        through: snapshot.lastDate,
        ad_sets: sets.map((s) => ({
          id: s.adSetId,
          name: s.name,
          ads: s.ads.map((a) => ({ id: a.adId, name: a.name, status: a.status, in_test: a.inTest, spend_share_7d: round(a.spendShare7d), ctr: rate(a.ctr), cvr: rate(a.cvr), chance_of_best: a.chanceOfBest === null ? null : round(a.chanceOfBest) })),
        })),
      });
    }
    return out;
  }
}

const named = (c: ConnectionRow, name: string): boolean => c.id === name || adAccountGraphId(c.ad_account_id) === name || c.ad_account_id === name;
