import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../../errors.ts";
import type { Hub } from "../../hub/hub.ts";
import type { ImageUpload } from "../../hub/ads/adImage.service.ts";
import { UploadedFile } from "../../inputLimits.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphObject } from "../graphTypes.ts";
import { intParam, listParam, stringParam } from "../params.ts";
import { pageWith } from "../../store/paging.ts";

/** The hub's own origin as the caller reached it, for the absolute links Meta's answers carry. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

/** Parameters of the Graph envelope, never image files. */
const ENVELOPE = new Set(["fields", "limit", "after", "before", "summary", "filtering", "execution_options", "name", "bytes"]);

/**
 * The images of an upload call: every file part of a multipart body (keyed by its file name, as
 * Meta keys `images`), and a base64 `bytes` parameter (keyed "bytes")
 * (https://developers.facebook.com/docs/marketing-api/reference/ad-account/adimages/ "Creating").
 */
function uploadsOf(call: GraphCall): ImageUpload[] {
  const uploads: ImageUpload[] = [];
  for (const [key, value] of Object.entries(call.params)) {
    if (value instanceof UploadedFile && !ENVELOPE.has(key)) uploads.push({ key: value.filename, name: value.filename, data: value.data });
  }
  const bytes = call.params.bytes;
  if (bytes !== undefined) {
    if (typeof bytes !== "string" || !/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(bytes.trim())) throw errors.invalidParameter("(#100) Param bytes must be the image's content in base64.");
    uploads.push({ key: "bytes", name: stringParam(call.params, "name") ?? "bytes", data: Buffer.from(bytes.trim(), "base64") });
  }
  return uploads;
}

const minimum = (call: GraphCall, name: string) => {
  const value = intParam(call.params, name);
  if (value !== undefined && value < 0) throw errors.invalidParameter(`(#100) Param ${name} must be a non-negative integer.`);
  return value;
};

/**
 * `act_<id>/adimages`: GET lists the images (`hashes=[…]`, `name`, `minwidth`, `minheight` narrow
 * it), POST uploads and answers `{"images": {"<name>": {"hash": …, "url": …}}}`, DELETE takes
 * `hash` (https://developers.facebook.com/docs/marketing-api/reference/ad-account/adimages/).
 */
const adImages: EdgeSpec = {
  returns: { type: "AdImage" },
  GET: async (call, node) => {
    const origin = originOf(call.request);
    const page = await call.hub.adImages.list(
      call.caller.ctx,
      node.id,
      { hashes: listParam(call.params, "hashes"), name: stringParam(call.params, "name"), minWidth: minimum(call, "minwidth"), minHeight: minimum(call, "minheight") },
      call.paging,
    );
    const items = page.items.map((image): GraphObject => ({ ...image, url: `${origin}${image.url}`, url_128: `${origin}${image.url_128}`, permalink_url: `${origin}${image.permalink_url}` }));
    return { kind: "list", page: pageWith(page, items), defaults: ["hash", "id"] };
  },
  POST: async (call, node) => {
    const origin = originOf(call.request);
    const images = await call.hub.adImages.upload(call.caller.ctx, node.id, uploadsOf(call));
    return raw({ images: Object.fromEntries(Object.entries(images).map(([key, image]) => [key, { hash: image.hash, url: `${origin}${image.url}` }])) });
  },
  DELETE: async (call, node) => {
    await call.hub.adImages.remove(call.caller.ctx, node.id, stringParam(call.params, "hash", true));
    return success();
  },
};

/** `ad_format` is required on every previews edge. */
const adFormat = (call: GraphCall) => stringParam(call.params, "ad_format", true);
const previewAnswer = (body: string) => raw({ data: [{ body }] });

/** `/{ad}/previews?ad_format=…` (https://developers.facebook.com/docs/marketing-api/reference/adgroup/previews/). */
export const adPreviews: EdgeSpec = {
  returns: { type: "AdPreview" },
  GET: async (call, node) => previewAnswer(await call.hub.adPreviews.forAd(call.caller.ctx, node.id, adFormat(call), originOf(call.request))),
};

/** `/{creative}/previews?ad_format=…` (https://developers.facebook.com/docs/marketing-api/reference/ad-creative/previews/). */
export const creativePreviews: EdgeSpec = {
  returns: { type: "AdPreview" },
  GET: async (call, node) => previewAnswer(await call.hub.adPreviews.forCreative(call.caller.ctx, node.id, adFormat(call), originOf(call.request))),
};

/** `act_<id>/generatepreviews?creative={…}&ad_format=…` (https://developers.facebook.com/docs/marketing-api/generatepreview/). */
const generatePreviews: EdgeSpec = {
  returns: { type: "AdPreview" },
  GET: async (call, node) => {
    const format = adFormat(call);
    const creative = call.params.creative;
    if (creative === undefined || creative === "") throw errors.invalidParameter("(#100) The parameter creative is required");
    if (typeof creative !== "object" || creative === null || Array.isArray(creative)) throw errors.invalidParameter("(#100) Param creative must be a JSON object (a creative spec, or {\"creative_id\": …}).");
    return previewAnswer(await call.hub.adPreviews.forSpec(call.caller.ctx, node.id, creative as Record<string, unknown>, format, originOf(call.request)));
  },
};

export const adAccountMediaEdges: Record<string, EdgeSpec> = { adimages: adImages, generatepreviews: generatePreviews };

/** `POST /{campaign}/copies`, `/{adset}/copies`, `/{ad}/copies`: deep copies (see hub/ads/adCopy.service.ts). */
export const campaignCopies: EdgeSpec = { POST: async (call, node) => raw(await call.hub.adCopies.copyCampaign(call.caller.ctx, node.id, call.params)) };
export const adSetCopies: EdgeSpec = { POST: async (call, node) => raw(await call.hub.adCopies.copyAdSet(call.caller.ctx, node.id, call.params)) };
export const adCopies: EdgeSpec = { POST: async (call, node) => raw(await call.hub.adCopies.copyAd(call.caller.ctx, node.id, call.params)) };

/**
 * The pages and files behind the links ad media answers carry: `/ads/media/preview/<token>` (an
 * ad preview's HTML, framed by the caller's own site) and `/ads/media/image/<token>` (an uploaded
 * image). The sealed token is the permission, as with Meta's preview and image URLs; an unknown,
 * altered or expired one is a plain 404 that says nothing about what it named.
 */
export function registerAdMediaRoutes(app: FastifyInstance, hub: Hub): void {
  // Wildcards, not parameters: a sealed token is longer than the router's limit for a parameter.
  app.get<{ Params: { "*": string } }>("/ads/media/preview/*", async (request, reply) => {
    const page = await hub.adPreviews.page(request.params["*"]);
    if (page === undefined) return reply.status(404).type("text/plain; charset=utf-8").send("This preview link is not valid or has expired.");
    return reply.header("cache-control", "private, max-age=300").type("text/html; charset=utf-8").send(page);
  });
  app.get<{ Params: { "*": string } }>("/ads/media/image/*", async (request, reply) => {
    const target = hub.mediaLinks.open(request.params["*"]);
    const image = target?.kind === "image" ? await hub.adImages.bytes(target.accountId, target.hash) : undefined;
    if (!image) return reply.status(404).type("text/plain; charset=utf-8").send("This image link is not valid or has expired.");
    return reply.header("cache-control", "private, max-age=3600").type(image.content_type).send(image.data);
  });
}
