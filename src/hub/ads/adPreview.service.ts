import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import { findAsset } from "../assets/asset.repository.ts";
import { findAd } from "./ad.repository.ts";
import { authorizeOnAccount, readAdAccount, unknownAdObject } from "./adAccountScope.ts";
import { creativeStorySpec, findCreative, type AdCreativeRecord } from "./adCreative.repository.ts";
import type { AdImageService } from "./adImage.service.ts";
import { CALL_TO_ACTION_TYPES } from "./adEnums.ts";
import { SHAREABLE_LINK_LIFETIME_MS, type MediaLinks, type PreviewContent } from "./mediaLinks.ts";

/** Meta's `ad_format` values of the previews edges (graph-api-specs enum `adgrouppreviews_ad_format_enum_param`, the same for creatives and generatepreviews). */
export const AD_FORMATS: readonly string[] = [
  "AUDIENCE_NETWORK_INSTREAM_VIDEO", "AUDIENCE_NETWORK_INSTREAM_VIDEO_MOBILE", "AUDIENCE_NETWORK_OUTSTREAM_VIDEO", "AUDIENCE_NETWORK_REWARDED_VIDEO",
  "BIZ_DISCO_FEED_MOBILE", "DESKTOP_FEED_STANDARD", "FACEBOOK_IFU_REELS_MOBILE", "FACEBOOK_PROFILE_FEED_DESKTOP", "FACEBOOK_PROFILE_FEED_MOBILE",
  "FACEBOOK_PROFILE_REELS_MOBILE", "FACEBOOK_REELS_BANNER", "FACEBOOK_REELS_BANNER_DESKTOP", "FACEBOOK_REELS_BANNER_FEED_ANDROID",
  "FACEBOOK_REELS_BANNER_FEED_ANDROID_LARGE", "FACEBOOK_REELS_BANNER_FULLSCREEN_IOS", "FACEBOOK_REELS_BANNER_FULLSCREEN_MOBILE",
  "FACEBOOK_REELS_MOBILE", "FACEBOOK_REELS_POSTLOOP", "FACEBOOK_REELS_POSTLOOP_FEED", "FACEBOOK_REELS_SIMILAR_PRODUCTS_MOBILE",
  "FACEBOOK_REELS_STICKER", "FACEBOOK_STORY_MOBILE", "FACEBOOK_STORY_STICKER_MOBILE", "INSTAGRAM_EXPLORE_CONTEXTUAL", "INSTAGRAM_EXPLORE_GRID_HOME",
  "INSTAGRAM_EXPLORE_IMMERSIVE", "INSTAGRAM_FEED_WEB", "INSTAGRAM_FEED_WEB_M_SITE", "INSTAGRAM_LEAD_GEN_MULTI_SUBMIT_ADS", "INSTAGRAM_PROFILE_FEED",
  "INSTAGRAM_PROFILE_REELS", "INSTAGRAM_REELS", "INSTAGRAM_REELS_OVERLAY", "INSTAGRAM_REELS_WEB", "INSTAGRAM_REELS_WEB_M_SITE",
  "INSTAGRAM_SEARCH_CHAIN", "INSTAGRAM_SEARCH_GRID", "INSTAGRAM_STANDARD", "INSTAGRAM_STORY", "INSTAGRAM_STORY_EFFECT_TRAY", "INSTAGRAM_STORY_WEB",
  "INSTAGRAM_STORY_WEB_M_SITE", "INSTANT_ARTICLE_RECIRCULATION_AD", "INSTANT_ARTICLE_STANDARD", "INSTREAM_BANNER_DESKTOP",
  "INSTREAM_BANNER_FEED_IOS", "INSTREAM_BANNER_FULLSCREEN_IOS", "INSTREAM_BANNER_FULLSCREEN_MOBILE", "INSTREAM_BANNER_IMMERSIVE_MOBILE",
  "INSTREAM_BANNER_MOBILE", "INSTREAM_VIDEO_DESKTOP", "INSTREAM_VIDEO_FULLSCREEN_IOS", "INSTREAM_VIDEO_FULLSCREEN_MOBILE", "INSTREAM_VIDEO_IMAGE",
  "INSTREAM_VIDEO_IMMERSIVE_MOBILE", "INSTREAM_VIDEO_MOBILE", "JOB_BROWSER_DESKTOP", "JOB_BROWSER_MOBILE", "MARKETPLACE_MOBILE",
  "MESSENGER_MOBILE_INBOX_MEDIA", "MESSENGER_MOBILE_STORY_MEDIA", "MOBILE_BANNER", "MOBILE_FEED_BASIC", "MOBILE_FEED_STANDARD", "MOBILE_FULLWIDTH",
  "MOBILE_INTERSTITIAL", "MOBILE_MEDIUM_RECTANGLE", "MOBILE_NATIVE", "RIGHT_COLUMN_STANDARD", "SUGGESTED_VIDEO_DESKTOP",
  "SUGGESTED_VIDEO_FULLSCREEN_MOBILE", "SUGGESTED_VIDEO_IMMERSIVE_MOBILE", "SUGGESTED_VIDEO_MOBILE", "WATCH_FEED_HOME", "WATCH_FEED_MOBILE",
  "WHATSAPP_STATUS_MEDIA",
];

/**
 * The iframe sizes Meta's preview bodies carry, by placement family; the page inside fits any.
 * (https://developers.facebook.com/docs/marketing-api/generatepreview/: the answer is
 * `{"data":[{"body":"<iframe src=\"…\" width=\"…\" height=\"…\" scrolling=\"yes\" style=\"border: none;\"></iframe>"}]}`.)
 */
function frameSize(format: string): [number, number] {
  if (format.startsWith("RIGHT_COLUMN")) return [274, 213];
  if (format.includes("STORY") || format.includes("REELS")) return [320, 570];
  if (format.startsWith("DESKTOP") || format.endsWith("_DESKTOP")) return [540, 690];
  return [335, 510];
}

/** Text made safe for HTML text and quoted attributes: ad text is whatever an advertiser typed. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only http(s) addresses become links or images; anything else (javascript:, data:) is dropped. */
function webUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The preview page's only style, allowed by its hash in the page's Content-Security-Policy (no script at all). */
export const PREVIEW_STYLE =
  "body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#f0f2f5;color:#050505}" +
  ".ad{max-width:500px;margin:8px auto;background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.2);overflow:hidden}" +
  ".page{padding:12px 12px 0;font-weight:600}.sponsored{padding:0 12px;color:#65676b;font-size:12px}" +
  ".text{padding:8px 12px;white-space:pre-wrap;overflow-wrap:anywhere}img{display:block;width:100%;height:auto;background:#ddd}" +
  ".link{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#f7f8fa}.link div{flex:1;min-width:0}" +
  ".domain{color:#65676b;font-size:12px;text-transform:uppercase}.title{font-weight:600;overflow-wrap:anywhere}" +
  ".cta{padding:6px 12px;border-radius:6px;background:#e4e6eb;font-weight:600;white-space:nowrap}.gone{padding:24px;text-align:center;color:#65676b}";

export const PREVIEW_STYLE_HASH = `'sha256-${crypto.createHash("sha256").update(PREVIEW_STYLE).digest("base64")}'`;

const PAGE_HEAD = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Ad preview</title><style>${PREVIEW_STYLE}</style></head><body>`;

/** "SHOP_NOW" → "Shop now". */
const ctaLabel = (type: string) => type.charAt(0) + type.slice(1).toLowerCase().replaceAll("_", " ");

/**
 * Ad previews as Meta gives them (`/{ad}/previews`, `/{creative}/previews`,
 * `act_<id>/generatepreviews`): an iframe whose page the hub serves. The page is built from the
 * creative's text, every piece escaped, with no script, and served under a policy that runs none.
 */
export class AdPreviewService {
  constructor(
    private readonly deps: HubDeps,
    private readonly links: MediaLinks,
    private readonly images: AdImageService,
  ) {}

  /** `GET /{ad}/previews?ad_format=…`: readable by whoever may view the ad's account. */
  async forAd(ctx: RequestContext, adId: string, format: string, origin: string): Promise<string> {
    const ad = await findAd(this.deps.db, adId);
    if (!ad) throw unknownAdObject(adId);
    authorizeOnAccount(this.deps, ctx, await readAdAccount(this.deps, ad.account_id), "view_asset");
    return this.iframe(origin, this.links.path({ kind: "ad", id: ad.id, format: checkFormat(format) }), format);
  }

  /** `GET /{creative}/previews?ad_format=…`. */
  async forCreative(ctx: RequestContext, creativeId: string, format: string, origin: string): Promise<string> {
    const creative = await findCreative(this.deps.db, creativeId);
    if (!creative) throw unknownAdObject(creativeId);
    authorizeOnAccount(this.deps, ctx, await readAdAccount(this.deps, creative.account_id), "view_asset");
    return this.iframe(origin, this.links.path({ kind: "creative", id: creative.id, format: checkFormat(format) }), format);
  }

  /**
   * `GET act_<id>/generatepreviews?creative={…}&ad_format=…`: a preview of a creative not made
   * yet (its title, body, link, image_url or image_hash, call_to_action_type, or the same inside
   * object_story_spec.link_data), or of one made (`{"creative_id": …}`).
   */
  async forSpec(ctx: RequestContext, accountId: string, creative: Record<string, unknown>, format: string, origin: string): Promise<string> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    checkFormat(format);
    if (creative.creative_id !== undefined) {
      const made = await findCreative(this.deps.db, String(creative.creative_id));
      if (!made || made.account_id !== account.id) throw errors.invalidParameter(`(#100) Invalid creative: act_${account.id} has no ad creative ${String(creative.creative_id)}.`);
      return this.iframe(origin, this.links.path({ kind: "creative", id: made.id, format }), format);
    }
    const spec = specContent(creative);
    if (spec.imageHash !== undefined && !(await this.images.exists(account.id, spec.imageHash))) {
      throw errors.invalidParameter(`(#100) Invalid image_hash: act_${account.id} has no image with the hash ${spec.imageHash}.`);
    }
    return this.iframe(origin, this.links.path({ kind: "spec", accountId: account.id, spec, format }), format);
  }

  /** The Ad field `preview_shareable_link`: a page anyone with the link may open, for a month. */
  shareableLink(adId: string, origin: string): string {
    return `${origin}${this.links.path({ kind: "ad", id: adId, format: "MOBILE_FEED_STANDARD" }, SHAREABLE_LINK_LIFETIME_MS)}`;
  }

  /** The page behind a preview link, or undefined when the link is not one (or has expired). */
  async page(token: string): Promise<string | undefined> {
    const target = this.links.open(token);
    if (!target || target.kind === "image") return undefined;
    if (target.kind === "spec") return this.render(target.accountId, target.spec, undefined);
    const creativeId = target.kind === "creative" ? target.id : (await findAd(this.deps.db, target.id))?.creative_id;
    const creative = creativeId === undefined ? undefined : await findCreative(this.deps.db, creativeId);
    if (!creative || creative.status === "DELETED") return `${PAGE_HEAD}<div class="ad gone">This ad is no longer available.</div></body></html>`;
    return this.render(creative.account_id, creativeContent(creative), pageIdOf(creative));
  }

  private iframe(origin: string, path: string, format: string): string {
    const [width, height] = frameSize(format);
    return `<iframe src="${escapeHtml(`${origin}${path}`)}" width="${width}" height="${height}" scrolling="yes" style="border: none;"></iframe>`;
  }

  private async render(accountId: string, content: PreviewContent, pageId: string | undefined): Promise<string> {
    const page = pageId ? await findAsset(this.deps.db, pageId) : undefined;
    const account = page ? undefined : await findAsset(this.deps.db, accountId);
    const image = content.imageHash ? this.links.path({ kind: "image", accountId, hash: content.imageHash }) : webUrl(content.imageUrl);
    const link = webUrl(content.link);
    const parts = [
      `<div class="ad"><div class="page">${escapeHtml(page?.name ?? account?.name ?? "")}</div><div class="sponsored">Sponsored</div>`,
      content.body ? `<div class="text">${escapeHtml(content.body)}</div>` : "",
      image ? `<img src="${escapeHtml(image)}" alt="">` : "",
      `<div class="link"><div>`,
      link ? `<div class="domain">${escapeHtml(new URL(link).hostname)}</div>` : "",
      content.title ? `<div class="title">${escapeHtml(content.title)}</div>` : "",
      `</div>`,
      content.callToAction ? `<span class="cta">${escapeHtml(ctaLabel(content.callToAction))}</span>` : "",
      `</div></div>`,
    ];
    return `${PAGE_HEAD}${parts.join("")}</body></html>`;
  }
}

function checkFormat(format: string): string {
  if (!AD_FORMATS.includes(format)) throw errors.invalidParameter(`(#100) ad_format must be one of the following values: ${AD_FORMATS.join(", ")}`);
  return format;
}

function pageIdOf(creative: AdCreativeRecord): string | undefined {
  if (!creative.object_story_spec) return undefined;
  const pageId = creativeStorySpec.decode(creative.object_story_spec).page_id;
  return typeof pageId === "string" || typeof pageId === "number" ? String(pageId) : undefined;
}

function creativeContent(creative: AdCreativeRecord): PreviewContent {
  return {
    title: creative.title ?? undefined,
    body: creative.body ?? undefined,
    link: creative.link_url ?? undefined,
    imageUrl: creative.image_url ?? undefined,
    imageHash: creative.image_hash ?? undefined,
    callToAction: creative.call_to_action_type ?? undefined,
  };
}

const MAX_PREVIEW_TEXT = 2_000;

/** The parts of a creative spec a preview shows, checked; `object_story_spec.link_data` fills what the top level leaves out. */
function specContent(creative: Record<string, unknown>): PreviewContent {
  const story = creative.object_story_spec as { link_data?: Record<string, unknown> } | undefined;
  const linkData = story && typeof story === "object" && story.link_data && typeof story.link_data === "object" ? story.link_data : {};
  const text = (name: string, ...values: unknown[]): string | undefined => {
    const value = values.find((v) => v !== undefined && v !== null);
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.length > MAX_PREVIEW_TEXT) throw errors.invalidParameter(`(#100) Invalid creative.${name}: a text of at most ${MAX_PREVIEW_TEXT} characters.`);
    return value;
  };
  const cta = text("call_to_action_type", creative.call_to_action_type, (linkData.call_to_action as { type?: unknown } | undefined)?.type);
  if (cta !== undefined && !(CALL_TO_ACTION_TYPES as readonly string[]).includes(cta)) throw errors.invalidParameter(`(#100) Invalid creative.call_to_action_type: ${cta} is not one of Meta's call to action types.`);
  const content: PreviewContent = {
    title: text("title", creative.title, linkData.name),
    body: text("body", creative.body, linkData.message),
    link: text("link_url", creative.link_url, creative.object_url, linkData.link),
    imageUrl: text("image_url", creative.image_url, linkData.picture),
    imageHash: text("image_hash", creative.image_hash, linkData.image_hash),
    callToAction: cta,
  };
  if (Object.values(content).every((v) => v === undefined)) throw errors.invalidParameter("(#100) The parameter creative needs something to show: a title, body, link, image or call to action, or a creative_id.");
  return content;
}
