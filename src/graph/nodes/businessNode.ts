import { originOf } from "./adMediaEdges.ts";
import { adAccountFacts } from "./assetNodes.ts";
import { businessUserReviewFields } from "./businessUserFields.ts";
import { typeNameOf } from "../graphRender.ts";
import { errors } from "../../errors.ts";
import { requireBusinessMember, seesWholeBusiness } from "../../hub/access/callerAccess.ts";
import type { AssetType } from "../../hub/catalogue/assetTypes.ts";
import type { MailOutcome } from "../../hub/invitations/invitation.service.ts";
import type { ShareView } from "../../hub/partners/partnerShare.service.ts";
import { ASSET_DEFAULTS, BUSINESS_DEFAULTS, graphTime, presentAssetGraph, presentBusinessGraph } from "../graphPresenters.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphNode, type GraphObject, type GraphResult, type NodeSpec } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { intParam, listParam, stringParam } from "../params.ts";
import { TIMEZONE_IDS } from "../timezones.ts";

/** Whether the invitation mail went out; when it did not, why (the invitation stands and can be sent again). */
function mailFields(mail: MailOutcome | undefined): GraphObject {
  if (!mail) return {};
  return mail.sent ? { mail_sent: true } : { mail_sent: false, mail_error: mail.error };
}

function member(call: GraphCall, businessId: string): void {
  requireBusinessMember(call.hub, call.caller.ctx, businessId);
}

async function assetsResult(call: GraphCall, assetIds: string[], type: AssetType, extra?: (assetId: string) => GraphObject): Promise<GraphResult> {
  const views = await call.hub.assets.getMany(assetIds);
  const facts = type === "ad_account" ? await adAccountFacts(call, views) : undefined;
  return listOf(
    call,
    views,
    (v) => ({ createdAt: v.createdAt, id: v.id }),
    (v) => ({ ...presentAssetGraph(call.hub.engine.index, v), ...facts?.get(v.id), ...(extra?.(v.id) ?? {}) }),
    ASSET_DEFAULTS[type]!,
  );
}


/** `owned_*`: the business's own assets of one type. */
function owned(type: AssetType): EdgeSpec {
  return {
    returns: { type: typeNameOf(type), node: type },
    GET: async (call, node) => {
      member(call, node.id);
      const assets = await call.hub.assets.listOwned(node.id, type);
      return assetsResult(call, assets.map((a) => a.id), type);
    },
  };
}

/**
 * Creates an asset in the business. Meta only claims existing Pages and Instagram accounts; here the
 * same edges create them (`name`), so a local stand-in can hold every asset type.
 */
function create(type: AssetType): EdgeSpec["POST"] {
  return async (call, node) => {
    const asset = await call.hub.assets.createAsset(call.caller.ctx, node.id, { type, name: stringParam(call.params, "name", true) });
    return raw({ id: asset.graphId });
  };
}

/** `client_*`: assets other businesses shared with this one (active shares), with the tasks shared. */
function client(type: AssetType): EdgeSpec {
  return {
    returns: { type: typeNameOf(type), node: type, fields: ["permitted_tasks"] },
    GET: async (call, node) => {
      member(call, node.id);
      const shares = (await call.hub.partners.listActive(node.id)).filter((s) => s.partnerBusinessId === node.id && s.assetType === type);
      const tasks = new Map(shares.map((s) => [s.assetId, s.tasks]));
      return assetsResult(call, shares.map((s) => s.assetId), type, (id) => ({ permitted_tasks: tasks.get(id) }));
    },
  };
}

/** `POST client_ad_accounts` / `client_pages`: accept a pending offer, or request access. */
function acceptOrRequest(idParam: string): EdgeSpec["POST"] {
  return async (call, node) => {
    const assetId = stringParam(call.params, idParam, true);
    const tasks = listParam(call.params, "permitted_tasks");
    const share = await call.hub.partners.acceptOrRequest(call.caller.ctx, { partnerBusinessId: node.id, assetId, tasks });
    return raw({ access_status: share.status === "active" ? "CONFIRMED" : "PENDING", id: share.assetGraphId, success: true });
  };
}

function presentRequest(share: ShareView): GraphObject {
  const assetKey = share.assetType === "page" ? "page" : "ad_account";
  return {
    id: share.id,
    [assetKey]: { id: share.assetGraphId, name: share.assetName },
    owner: { id: share.ownerBusinessId, name: share.ownerName },
    permitted_tasks: share.tasks,
    status: "PENDING",
    initiated_by: share.initiatedBy === "owner" ? "OWNER" : "PARTNER",
    created_time: graphTime(share.createdAt),
    expiration_time: graphTime(share.pendingExpiresAt),
  };
}

/** `pending_client_*`: offers waiting for this business and requests it sent, for one asset type. */
function pendingClient(type: AssetType): EdgeSpec {
  return {
    returns: { type: type === "page" ? "BusinessPageRequest" : "BusinessAdAccountRequest" },
    GET: async (call, node) => {
      const requests = await call.hub.partners.listRequests(call.caller.ctx, node.id);
      const items = [...requests.incoming, ...requests.outgoing].filter((s) => s.partnerBusinessId === node.id && s.assetType === type);
      return listOf(call, items, (s) => ({ createdAt: s.createdAt, id: s.id }), presentRequest, ["id", "permitted_tasks", "status"]);
    },
  };
}

/** Businesses on the other side of this business's active shares (`agencies`: partners; `clients`: owners). */
function counterparts(side: "agencies" | "clients"): EdgeSpec {
  return {
    returns: { type: "Business", node: "business" },
    GET: async (call, node) => {
      member(call, node.id);
      const shares = await call.hub.partners.listActive(node.id);
      const mine = shares.filter((s) => (side === "agencies" ? s.ownerBusinessId === node.id : s.partnerBusinessId === node.id));
      const byBusiness = new Map<string, { id: string; name: string; createdAt: number; assets: number }>();
      for (const s of mine) {
        const id = side === "agencies" ? s.partnerBusinessId : s.ownerBusinessId;
        const name = side === "agencies" ? s.partnerName : s.ownerName;
        const entry = byBusiness.get(id) ?? { id, name, createdAt: s.createdAt, assets: 0 };
        entry.createdAt = Math.min(entry.createdAt, s.createdAt);
        entry.assets += 1;
        byBusiness.set(id, entry);
      }
      return listOf(
        call,
        [...byBusiness.values()],
        (b) => ({ createdAt: b.createdAt, id: b.id }),
        (b) => ({ id: b.id, name: b.name, shared_asset_count: b.assets }),
        BUSINESS_DEFAULTS,
      );
    },
    // Removing a partner (agencies) or leaving a client (clients) takes every share between the two.
    DELETE: async (call, node) => {
      // Leaving a client is done from the partner's own node, by its people.
      if (side === "clients") member(call, node.id);
      const other = stringParam(call.params, "business", true);
      const [ownerBusinessId, partnerBusinessId] = side === "agencies" ? [node.id, other] : [other, node.id];
      const summary = await call.hub.partners.removePartner(call.caller.ctx, { ownerBusinessId, partnerBusinessId });
      return raw({ success: true, removed: summary });
    },
  };
}

/** first_name and last_name as Meta splits a person's name: the first word, and the rest. */
export function nameParts(name: string): { first_name: string; last_name?: string } {
  const [first, ...rest] = name.trim().split(/\s+/);
  return rest.length > 0 ? { first_name: first ?? "", last_name: rest.join(" ") } : { first_name: first ?? "" };
}

export const businessNode: NodeSpec = {
  defaults: BUSINESS_DEFAULTS,
  // Anyone signed in may look a Business ID up (the add-partner wizard shows the name for confirmation);
  // the rest of a business is for its own people.
  async read(call, node: GraphNode) {
    const business = await call.hub.businesses.getBusiness(node.id);
    const full = presentBusinessGraph(business);
    // An app token sees the rest only of the businesses the person picked when connecting it.
    if (seesWholeBusiness(call.hub, call.caller.ctx, node.id)) {
      // primary_page: the business's first Page; link: where its settings are, as Meta's business.facebook.com link.
      const pages = await call.hub.assets.listOwned(node.id, "page");
      const primary = [...pages].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))[0];
      return {
        ...full,
        link: `${originOf(call.request)}/console/?business_id=${encodeURIComponent(node.id)}`,
        ...(primary ? { primary_page: { id: primary.graphId, name: primary.name } } : {}),
      };
    }
    return { id: full.id, name: full.name, verification_status: full.verification_status };
  },
  async update(call, node) {
    const twoFactor = stringParam(call.params, "two_factor_type");
    await call.hub.businesses.updateBusiness(call.caller.ctx, node.id, {
      name: stringParam(call.params, "name"),
      twoFactorRequired: twoFactor === undefined ? undefined : twoFactor !== "none",
    });
    return success();
  },
  edges: {
    owned_ad_accounts: owned("ad_account"),
    adaccount: {
      POST: async (call, node) => {
        const timezoneId = intParam(call.params, "timezone_id");
        const timezoneName = stringParam(call.params, "timezone_name") ?? (timezoneId === undefined ? undefined : TIMEZONE_IDS[timezoneId]);
        if (timezoneId !== undefined && timezoneName === undefined) {
          throw errors.invalidParameter(`Unknown timezone_id ${timezoneId}; pass timezone_name (an IANA name such as America/New_York) instead.`);
        }
        const spendCap = intParam(call.params, "spend_cap");
        const asset = await call.hub.assets.createAsset(call.caller.ctx, node.id, {
          type: "ad_account",
          name: stringParam(call.params, "name", true),
          adAccount: { currency: stringParam(call.params, "currency"), timezoneName, spendCap: spendCap ?? null },
        });
        return raw({ id: asset.graphId, account_id: asset.id, business_id: node.id });
      },
    },
    client_ad_accounts: { ...client("ad_account"), POST: acceptOrRequest("adaccount_id") },
    pending_client_ad_accounts: pendingClient("ad_account"),
    owned_pages: { ...owned("page"), POST: create("page") },
    client_pages: { ...client("page"), POST: acceptOrRequest("page_id") },
    pending_client_pages: pendingClient("page"),
    owned_pixels: owned("pixel"),
    adspixels: { ...owned("pixel"), POST: create("pixel") },
    client_pixels: client("pixel"),
    owned_product_catalogs: { ...owned("product_catalog"), POST: create("product_catalog") },
    client_product_catalogs: client("product_catalog"),
    instagram_accounts: owned("instagram_account"),
    owned_instagram_assets: { ...owned("instagram_account"), POST: create("instagram_account") },
    client_instagram_assets: client("instagram_account"),
    creative_hub_projects: { ...owned("creative_hub_project"), POST: create("creative_hub_project") },
    client_creative_hub_projects: client("creative_hub_project"),
    agencies: counterparts("agencies"),
    clients: counterparts("clients"),
    business_users: {
      returns: { type: "BusinessUser", node: "user" },
      GET: async (call, node) => {
        member(call, node.id);
        const members = await call.hub.businesses.listMembers(node.id);
        const reviewFields = await businessUserReviewFields(call, node.id, members);
        return listOf(
          call,
          members,
          (m) => ({ createdAt: m.created_at, id: m.person_id }),
          // Meta's BusinessUser name parts; `tasks` and `two_fac_status` come from businessUserReviewFields when asked for.
          (m) => ({ id: m.person_id, name: m.name, ...nameParts(m.name), email: m.email, role: m.role, business: { id: node.id }, ...reviewFields.get(m.person_id) }),
          ["id", "name"],
        );
      },
      // By person id, or by email: an existing account joins at once, anyone else is invited (pending_users).
      POST: async (call, node) => {
        const role = stringParam(call.params, "role") ?? "EMPLOYEE";
        const userId = stringParam(call.params, "user");
        if (userId) {
          await call.hub.businesses.setMemberRole(call.caller.ctx, node.id, userId, role);
          return raw({ id: userId });
        }
        const email = stringParam(call.params, "email");
        if (!email) throw errors.invalidParameter("Pass user (a person id) or email.");
        const result = await call.hub.invitations.invite(call.caller.ctx, node.id, { email, role });
        if (result.added || !result.invitation) return raw({ id: result.personId });
        return raw({ id: result.invitation.id, status: "PENDING", ...mailFields(result.mail) });
      },
      DELETE: async (call, node) => {
        await call.hub.businesses.removeMember(call.caller.ctx, node.id, stringParam(call.params, "user", true));
        return success();
      },
    },
    pending_users: {
      returns: { type: "BusinessRoleRequest" },
      GET: async (call, node) => {
        const invitations = await call.hub.invitations.listPending(call.caller.ctx, node.id);
        return listOf(
          call,
          invitations,
          (i) => ({ createdAt: i.createdAt, id: i.id }),
          (i) => ({ id: i.id, email: i.email, role: i.role, status: i.status, created_time: graphTime(i.createdAt), expiration_time: graphTime(i.expiresAt), ...(i.sentAt ? { updated_time: graphTime(i.sentAt) } : {}) }),
          ["id", "email", "role"],
        );
      },
      // Sending an invitation again: a new link valid for the full period, the previous one dead.
      // Meta documents no write on this edge (https://developers.facebook.com/docs/marketing-api/reference/business/pending_users);
      // Business Settings' "Resend" has no Graph call, so this is Grantline's own, on the edge that lists them.
      POST: async (call, node) => {
        const result = await call.hub.invitations.resend(call.caller.ctx, node.id, stringParam(call.params, "invitation", true));
        return raw({ id: result.invitation.id, status: result.invitation.status, expiration_time: graphTime(result.invitation.expiresAt), ...mailFields(result.mail) });
      },
      DELETE: async (call, node) => {
        await call.hub.invitations.cancel(call.caller.ctx, node.id, stringParam(call.params, "invitation", true));
        return success();
      },
    },
    system_users: {
      returns: { type: "SystemUser", node: "system_user" },
      GET: async (call, node) => {
        member(call, node.id);
        const users = await call.hub.businesses.listSystemUsers(node.id);
        return listOf(
          call,
          users,
          (u) => ({ createdAt: u.created_at, id: u.id }),
          (u) => ({ id: u.id, name: u.name, role: u.role, created_time: graphTime(u.created_at) }),
          ["id", "name", "role"],
        );
      },
      POST: async (call, node) => {
        const user = await call.hub.businesses.createSystemUser(call.caller.ctx, node.id, {
          name: stringParam(call.params, "name", true),
          role: stringParam(call.params, "role"),
        });
        return raw({ id: user.id });
      },
    },
  },
};

