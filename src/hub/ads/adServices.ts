import type { Hub } from "../hub.ts";
import type { HubDeps } from "../hubCommand.ts";
import { AdService } from "./ad.service.ts";
import { AdCreativeService } from "./adCreative.service.ts";
import { AdSetService } from "./adSet.service.ts";
import { CampaignService } from "./campaign.service.ts";
import { InsightsService } from "./insights.service.ts";

/** The Marketing API domain: ad objects and insights, on the hub's store, engine, audit log and clock. */
export interface AdServices {
  campaigns: CampaignService;
  adSets: AdSetService;
  ads: AdService;
  creatives: AdCreativeService;
  insights: InsightsService;
}

export function createAdServices(deps: HubDeps): AdServices {
  return {
    campaigns: new CampaignService(deps),
    adSets: new AdSetService(deps),
    ads: new AdService(deps),
    creatives: new AdCreativeService(deps),
    insights: new InsightsService(deps),
  };
}

/** The ad services of an open hub. */
export function adServicesOf(hub: Pick<Hub, "store" | "engine" | "audit" | "now">): AdServices {
  return createAdServices({ db: hub.store.db, engine: hub.engine, audit: hub.audit, now: hub.now });
}
