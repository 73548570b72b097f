import crypto from "node:crypto";
import type { Hub } from "../../src/hub/hub.ts";
import { operatorContext, principalContext, type RequestContext } from "../../src/hub/context.ts";
import type { AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import { presetTasks, type PermissionLevel } from "../../src/hub/catalogue/permissionLevels.ts";

export interface TestPerson {
  id: string;
  name: string;
  ctx: RequestContext;
}

export interface TestBusiness {
  id: string;
  name: string;
  admin: TestPerson;
}

let counter = 0;
const unique = () => `${++counter}-${crypto.randomBytes(3).toString("hex")}`;

export async function buildPerson(hub: Hub, name = `Person ${unique()}`): Promise<TestPerson> {
  const person = await hub.businesses.createPerson(operatorContext(), {
    name,
    email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}.${unique()}@example.test`,
  });
  return { id: person.id, name: person.name, ctx: principalContext("person", person.id) };
}

/** A business with a person as its admin. */
export async function buildBusiness(hub: Hub, name = `Business ${unique()}`): Promise<TestBusiness> {
  const admin = await buildPerson(hub, `${name} Admin`);
  const business = await hub.businesses.createBusiness(admin.ctx, { name });
  return { id: business.id, name: business.name, admin };
}

/** A person added to the business with a role. */
export async function buildMember(hub: Hub, business: TestBusiness, role = "EMPLOYEE", name?: string): Promise<TestPerson> {
  const person = await buildPerson(hub, name);
  await hub.businesses.setMemberRole(business.admin.ctx, business.id, person.id, role);
  return person;
}

export async function buildAsset(hub: Hub, business: TestBusiness, type: AssetType = "ad_account", name?: string) {
  return hub.assets.createAsset(business.admin.ctx, business.id, { type, name: name ?? `${type} ${unique()}` });
}

/** Owner offers, partner accepts: an active share at a permission level. */
export async function buildShare(hub: Hub, owner: TestBusiness, partner: TestBusiness, assetId: string, level: PermissionLevel, type: AssetType = "ad_account") {
  await hub.partners.offer(owner.admin.ctx, { assetId, partnerBusinessId: partner.id, tasks: presetTasks(type, level) });
  return hub.partners.acceptOrRequest(partner.admin.ctx, { partnerBusinessId: partner.id, assetId });
}
