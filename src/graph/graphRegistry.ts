import type { GraphRegistry } from "./graphRoutes.ts";
import { adAccountMarketingEdges, adCreativeNode, adNode, adSetNode, campaignNode, reportRunNode, resolveAdObject } from "./nodes/adNodes.ts";
import { assetNodes } from "./nodes/assetNodes.ts";
import { businessNode } from "./nodes/businessNode.ts";
import { systemUserNode, userNode } from "./nodes/principalNodes.ts";
import { appNode, resolveApp, subscribedApps } from "./nodes/webhookEdges.ts";
import { alertChannels, alertChannelTests, businessAlerts } from "./nodes/alertEdges.ts";

/** Every node type the Graph surface serves, and how bare ids of non-hub objects are resolved. */
export function buildGraphRegistry(): GraphRegistry {
  return {
    nodes: {
      business: { ...businessNode, edges: { ...businessNode.edges, alert_channels: alertChannels, alert_channel_tests: alertChannelTests, alerts: businessAlerts } },
      user: userNode,
      system_user: systemUserNode,
      ...assetNodes,
      ad_account: { ...assetNodes.ad_account, edges: { ...assetNodes.ad_account.edges, ...adAccountMarketingEdges, subscribed_apps: subscribedApps } },
      campaign: campaignNode,
      adset: adSetNode,
      ad: adNode,
      adcreative: adCreativeNode,
      report_run: reportRunNode,
      app: appNode,
    },
    resolvers: [resolveAdObject, resolveApp],
  };
}
