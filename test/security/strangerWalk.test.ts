import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGraphRegistry } from "../../src/graph/graphRegistry.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { ASSET_TYPES } from "../../src/hub/catalogue/assetTypes.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { adServicesOf, buildAdTree } from "../support/factories.ts";

/**
 * Walks every node type and edge the router serves and calls each, with each method, as a business
 * with no relation to the object. Nothing may succeed, nothing may carry the owner's data, and every
 * refusal must be the very answer an id that does not exist gets.
 */

const OWNER_NAME = "Acme Secretowner";
const PARTNER_NAME = "Northwind Hiddenpartner";

/** Edges a stranger may use by design, each with the reason. */
const OPEN_TO_STRANGERS: Record<string, string> = {
  // The add-partner wizard confirms a Business ID by the name behind it, as Meta's does.
  "GET business": "a Business ID resolves to its name for whoever holds the ID",
};

describe.each(DIALECTS)("a stranger walking every edge (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  const samples = new Map<string, string>();

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    const owner = await bootstrapBusiness(hub, OWNER_NAME);
    const partner = await bootstrapBusiness(hub, PARTNER_NAME);
    stranger = await bootstrapBusiness(hub, "Curious Stranger");
    const ownerCtx = principalContext("system_user", owner.system_user_id);
    samples.set("business", owner.business_id);
    samples.set("system_user", owner.system_user_id);
    const person = await hub.businesses.createPerson(operatorContext(), { name: "Olivia Owner", email: `olivia.${dialect}@acme.test` });
    await hub.businesses.setMemberRole(ownerCtx, owner.business_id, person.id, "ADMIN");
    samples.set("user", person.id);
    for (const type of ASSET_TYPES) {
      const asset = await hub.assets.createAsset(ownerCtx, owner.business_id, { type, name: `${OWNER_NAME} ${type}` });
      samples.set(type, type === "ad_account" ? `act_${asset.id}` : asset.id);
      await hub.partners.offer(ownerCtx, { assetId: asset.id, partnerBusinessId: partner.business_id, tasks: presetTasks(type, "ADMIN").slice(0, 1) });
    }
    const tree = await buildAdTree(hub, adServicesOf(hub), { id: owner.business_id, name: OWNER_NAME, admin: { id: owner.system_user_id, name: "Admin", ctx: ownerCtx } });
    samples.set("campaign", tree.campaign.id);
    samples.set("adset", tree.adSet.id);
    samples.set("ad", tree.ad.id);
    samples.set("adcreative", tree.creative.id);
    const label = await hub.adLabels.createLabel(ownerCtx, tree.account.graphId, { name: `${OWNER_NAME} label` });
    await hub.adLabels.changeObjectLabels(ownerCtx, tree.campaign.id, [{ id: label.id }], "add");
    samples.set("adlabel", label.id);
  });

  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  /** The body with the parts that differ on every call (trace id) and the id as written taken out. */
  const normalized = (body: unknown, id: string) => JSON.stringify(body).replaceAll(id, "<id>").replace(/"fbtrace_id":"[^"]*"/, "");

  it("gets nothing from any edge of any object it has no relation to", async () => {
    const registry = buildGraphRegistry();
    const graph = graphClient(server.url, stranger.access_token);
    const owner = samples.get("business")!;
    const params = { business: stranger.business_id, user: stranger.system_user_id, tasks: '["ANALYZE"]', permitted_tasks: '["ANALYZE"]', name: "x" };
    const calls: string[] = [];
    const problems: string[] = [];
    for (const [type, spec] of Object.entries(registry.nodes)) {
      const id = samples.get(type);
      if (!id) continue;
      // A numeric id of the same form that names nothing: what a stranger must not be able to tell apart.
      const missing = id.startsWith("act_") ? "act_987654321987" : "987654321987";
      const targets: [string, string | undefined][] = [[`${type}`, undefined], ...Object.keys(spec.edges).map((edge): [string, string] => [`${type}/${edge}`, edge])];
      for (const [label, edge] of targets) {
        for (const method of ["GET", "POST", "DELETE"]) {
          if (OPEN_TO_STRANGERS[`${method} ${label}`]) continue;
          const path = (which: string) => `/${which}${edge ? `/${edge}` : ""}`;
          const query = method === "GET" ? `?${new URLSearchParams({ business: stranger.business_id })}` : "";
          const body = method === "GET" ? undefined : params;
          const real = await graph(method, `${path(id)}${query}`, body);
          const fake = await graph(method, `${path(missing)}${query}`, body);
          calls.push(`${method} ${label}`);
          const text = JSON.stringify(real.body);
          if (real.status < 300) problems.push(`${method} ${label}: ${real.status} ${text.slice(0, 200)}`);
          else if (text.includes(OWNER_NAME) || text.includes(PARTNER_NAME) || (text.includes(owner) && id !== owner)) problems.push(`${method} ${label} leaks: ${text.slice(0, 200)}`);
          else if (real.status !== fake.status || normalized(real.body, id) !== normalized(fake.body, missing)) {
            problems.push(`${method} ${label} differs from a missing id: ${real.status} ${normalized(real.body, id).slice(0, 160)} vs ${fake.status} ${normalized(fake.body, missing).slice(0, 160)}`);
          }
        }
      }
    }
    expect(calls.length).toBeGreaterThan(150);
    // The media and copy edges are walked like every other: image library, previews, copies.
    for (const call of ["POST ad_account/adimages", "DELETE ad_account/adimages", "GET ad_account/adimages", "GET ad_account/generatepreviews", "GET ad/previews", "GET adcreative/previews", "POST campaign/copies", "POST adset/copies", "POST ad/copies", "GET ad_account/adlabels", "POST ad_account/adlabels", "GET adlabel", "POST adlabel", "DELETE adlabel", "POST campaign/adlabels", "DELETE ad/adlabels"]) {
      expect(calls).toContain(call);
    }
    expect(problems).toEqual([]);

    // Its own audit log records every attempt, in sentences; none names what it could not see.
    const log = await graph("GET", `/${stranger.business_id}/audit_log?max_entries=1000&fields=description,target,actor`);
    expect(log.status).toBe(200);
    expect(log.body.data.length).toBeGreaterThan(0);
    const text = JSON.stringify(log.body);
    expect(text).not.toContain(OWNER_NAME);
    expect(text).not.toContain(PARTNER_NAME);
    expect(text).not.toContain("Olivia Owner");
  });
});
