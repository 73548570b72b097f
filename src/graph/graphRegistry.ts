import type { GraphRegistry } from "./graphRoutes.ts";
import { adAccountEdges } from "./nodes/adAccountEdges.ts";
import { adAccountMarketingEdges, adCreativeNode, adNode, adSetNode, campaignNode, reportRunNode, resolveAdObject } from "./nodes/adNodes.ts";
import { adAccountMediaEdges, adCopies, adPreviews, adSetCopies, campaignCopies, creativePreviews } from "./nodes/adMediaEdges.ts";
import { assetNodes } from "./nodes/assetNodes.ts";
import { accountAdLabels, adAdLabels, adLabelNode, adSetAdLabels, campaignAdLabels } from "./nodes/adLabelNodes.ts";
import { businessNode } from "./nodes/businessNode.ts";
import { systemUserNode, userNode } from "./nodes/principalNodes.ts";
import { appNode, businessSubscribedApps, resolveApp, subscribedApps } from "./nodes/webhookEdges.ts";
import { alertChannels, alertChannelTests, businessAlerts } from "./nodes/alertEdges.ts";
import { withReviewEdges } from "./nodes/reviewEdges.ts";
import { consoleAssetEdges, consoleBusinessEdges, consolePersonImpactEdge, consoleSystemUserTokenEdge } from "./nodes/consoleEdges.ts";
import { assetConnectedApps, businessConnectedApps, personConnectedApps } from "./nodes/appConnectionEdges.ts";
import type { NodeSpec } from "./graphTypes.ts";

/** Adds edges to a node type; an edge already there keeps its methods and gains the new ones. */
function withEdges(node: NodeSpec, edges: NodeSpec["edges"]): NodeSpec {
  const merged = { ...node.edges };
  for (const [name, spec] of Object.entries(edges)) merged[name] = { ...spec, ...merged[name] };
  return { ...node, edges: merged };
}

/** Every node type the Graph surface serves, and how bare ids of non-hub objects are resolved. */
export function buildGraphRegistry(): GraphRegistry {
  return withConsoleEdges(baseGraphRegistry());
}

function baseGraphRegistry(): GraphRegistry {
  return withReviewEdges({
    nodes: {
      business: { ...businessNode, edges: { ...businessNode.edges, alert_channels: alertChannels, alert_channel_tests: alertChannelTests, alerts: businessAlerts, subscribed_apps: businessSubscribedApps } },
      user: userNode,
      system_user: systemUserNode,
      ...assetNodes,
      ad_account: { ...assetNodes.ad_account, edges: { ...assetNodes.ad_account.edges, ...adAccountMarketingEdges, ...adAccountEdges, ...adAccountMediaEdges, adlabels: accountAdLabels, subscribed_apps: subscribedApps } },
      campaign: withEdges(campaignNode, { copies: campaignCopies, adlabels: campaignAdLabels }),
      adset: withEdges(adSetNode, { copies: adSetCopies, adlabels: adSetAdLabels }),
      ad: withEdges(adNode, { copies: adCopies, previews: adPreviews, adlabels: adAdLabels }),
      adlabel: adLabelNode,
      adcreative: withEdges(adCreativeNode, { previews: creativePreviews }),
      report_run: reportRunNode,
      app: appNode,
    },
    resolvers: [resolveAdObject, resolveApp],
  });
}

/** The registry with the console's edges (capabilities, access paths, shares, Requests, audit log, tokens) added. */
export function withConsoleEdges(registry: GraphRegistry): GraphRegistry {
  const nodes = Object.fromEntries(
    Object.entries(registry.nodes).map(([type, node]) => {
      if (type === "business") return [type, withEdges(node, { ...consoleBusinessEdges, connected_apps: businessConnectedApps })];
      if (type === "system_user") return [type, withEdges(node, { access_tokens: consoleSystemUserTokenEdge })];
      if (type === "user") return [type, withEdges(node, { connected_apps: personConnectedApps, access_impact: consolePersonImpactEdge })];
      if (type in assetNodes) return [type, withEdges(node, { ...consoleAssetEdges, connected_apps: assetConnectedApps })];
      return [type, node];
    }),
  );
  return { ...registry, nodes };
}
