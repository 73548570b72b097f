import crypto from "node:crypto";
import { errors } from "../../errors.ts";
import { requireCleanText } from "../../inputLimits.ts";
import type { Page, PageRequest } from "../../store/paging.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { authorizeOnAccount, readAdAccount, requireActiveAccount, requireAdAccount } from "./adAccountScope.ts";
import { countCreativesUsingImage, findAdImage, insertAdImage, listAdImages, readAdImageBytes, updateAdImage, type AdImageFilter, type AdImageInfo } from "./adImage.repository.ts";
import { keysetPage, mapPage } from "./adPaging.ts";
import { formatGraphTime } from "./adTime.ts";
import { IMAGE_EXTENSIONS, sniffImage } from "./imageFormat.ts";
import type { MediaLinks } from "./mediaLinks.ts";

/**
 * Meta's limits for ad images: 30 MB a file, JPG or PNG (and BMP and GIF through the API), a file
 * name with the type's extension of at most 100 characters
 * (https://www.facebook.com/business/ads-guide/image/facebook-feed;
 * https://developers.facebook.com/docs/marketing-api/reference/ad-image/: "You must include a
 * filename extension such as sample.jpg, not sample or sample.tmp"; `name`: "The maximum length of
 * this string is 100 characters").
 */
export const MAX_IMAGE_BYTES = 30 * 1024 * 1024;
const MAX_NAME_LENGTH = 100;
/** Files in one upload call. */
export const MAX_IMAGES_PER_UPLOAD = 10;

/** An AdImage as the Graph shows it (https://developers.facebook.com/docs/marketing-api/reference/ad-image/). */
export interface AdImageView {
  id: string;
  account_id: string;
  hash: string;
  name: string;
  url: string;
  url_128: string;
  permalink_url: string;
  width: number;
  height: number;
  original_width: number;
  original_height: number;
  status: string;
  created_time: string;
  updated_time: string;
}

export interface ImageUpload {
  /** The key of the answer's `images`: the file name, or "bytes" for a base64 `bytes` upload. */
  key: string;
  name: string;
  data: Buffer;
}

/** Meta's image hash: the MD5 of the bytes, in lowercase hex. */
export const imageHash = (data: Buffer): string => crypto.createHash("md5").update(data).digest("hex");

/** An ad account's image library: upload, list by hash, delete. Bytes are served through MediaLinks. */
export class AdImageService {
  constructor(
    private readonly deps: HubDeps,
    private readonly links: MediaLinks,
  ) {}

  /**
   * Stores each file under its hash, in one transaction: every file is checked before any is kept.
   * The same bytes again are the same image (a deleted one comes back). Answers per key the hash and url.
   */
  async upload(ctx: RequestContext, accountId: string, uploads: readonly ImageUpload[]): Promise<Record<string, { hash: string; url: string }>> {
    const attempt: AuditAttempt = { action: "adimage.create", targetType: "adimage" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "create_campaign");
      requireActiveAccount(account);
      if (uploads.length === 0) throw errors.invalidParameter("(#100) No image was uploaded: send the file as a multipart part (filename=@shoe.jpg) or its base64 as bytes.");
      if (uploads.length > MAX_IMAGES_PER_UPLOAD) throw errors.invalidParameter(`(#100) At most ${MAX_IMAGES_PER_UPLOAD} images can be uploaded in one call.`);
      const out: Record<string, { hash: string; url: string }> = {};
      for (const upload of uploads) {
        const checked = checkImage(upload);
        const hash = imageHash(upload.data);
        const id = `${account.id}:${hash}`;
        const existing = await findAdImage(tx.trx, account.id, hash);
        if (!existing) {
          await insertAdImage(tx.trx, {
            id,
            account_id: account.id,
            hash,
            name: upload.name,
            content_type: checked.contentType,
            width: checked.width,
            height: checked.height,
            byte_size: upload.data.length,
            data: upload.data,
            status: "ACTIVE",
            created_at: tx.now,
            updated_at: tx.now,
          });
        } else if (existing.status !== "ACTIVE") {
          await updateAdImage(tx.trx, account.id, hash, { status: "ACTIVE", name: upload.name, updated_at: tx.now });
        }
        if (!existing || existing.status !== "ACTIVE") {
          await tx.audit({ action: "adimage.create", businessId: account.ownerBusinessId, targetType: "adimage", targetId: id, after: { name: upload.name, hash, width: checked.width, height: checked.height } });
        }
        out[upload.key] = { hash, url: this.links.path({ kind: "image", accountId: account.id, hash }) };
      }
      return out;
    });
  }

  /** `GET act_<id>/adimages`: the account's images, newest first, narrowed by hashes, name and minimum size. */
  async list(ctx: RequestContext, accountId: string, filter: Omit<AdImageFilter, "accountId">, page: PageRequest): Promise<Page<AdImageView>> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const rows = await keysetPage(page, (window) => listAdImages(this.deps.db, { ...filter, accountId: account.id }, window));
    return mapPage(rows, (row) => this.present(row, account.timezoneName));
  }

  /**
   * `DELETE act_<id>/adimages?hash=…`: status DELETED. As on Meta, an image a creative still uses
   * cannot be deleted ("You can only delete ad images not currently being used in an ad creative").
   */
  async remove(ctx: RequestContext, accountId: string, hash: string): Promise<void> {
    const attempt: AuditAttempt = { action: "adimage.delete", targetType: "adimage" };
    await runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "edit_campaign");
      const image = await findAdImage(tx.trx, account.id, hash);
      if (!image || image.status !== "ACTIVE") throw errors.invalidParameter(`(#100) Invalid hash: act_${account.id} has no image with the hash ${hash}.`);
      const users = await countCreativesUsingImage(tx.trx, account.id, hash);
      if (users > 0) throw errors.invalidParameter(`(#100) The image ${image.name} is used by ${users} ad creative(s); an image in use cannot be deleted.`);
      await updateAdImage(tx.trx, account.id, hash, { status: "DELETED", updated_at: tx.now });
      await tx.audit({ action: "adimage.delete", businessId: account.ownerBusinessId, targetType: "adimage", targetId: image.id, before: { name: image.name, hash } });
    });
  }

  /** Whether the account has this image (not deleted); for creatives and previews that name a hash. */
  async exists(accountId: string, hash: string): Promise<boolean> {
    const image = await findAdImage(this.deps.db, accountId, hash);
    return image?.status === "ACTIVE";
  }

  /** The bytes behind an image link the hub handed out (the link is the permission). */
  bytes(accountId: string, hash: string): Promise<{ data: Buffer; content_type: string } | undefined> {
    return readAdImageBytes(this.deps.db, accountId, hash);
  }

  private present(row: AdImageInfo, timezoneName: string): AdImageView {
    const url = this.links.path({ kind: "image", accountId: row.account_id, hash: row.hash });
    return {
      id: row.id,
      account_id: row.account_id,
      hash: row.hash,
      name: row.name,
      url,
      url_128: url,
      permalink_url: url,
      width: row.width,
      height: row.height,
      original_width: row.width,
      original_height: row.height,
      status: row.status,
      created_time: formatGraphTime(row.created_at, timezoneName),
      updated_time: formatGraphTime(row.updated_at, timezoneName),
    };
  }
}

function checkImage(upload: ImageUpload): { contentType: string; width: number; height: number } {
  requireCleanText(upload.name, "image name");
  if (upload.name.length > MAX_NAME_LENGTH) throw errors.invalidParameter(`(#100) Invalid image name: at most ${MAX_NAME_LENGTH} characters.`);
  if (upload.data.length > MAX_IMAGE_BYTES) {
    throw errors.invalidParameter(`(#100) The image ${upload.name} is ${(upload.data.length / 1024 / 1024).toFixed(1)} MB; an ad image may be at most 30 MB.`);
  }
  const format = sniffImage(upload.data);
  if (!format) throw errors.invalidParameter(`(#100) Invalid image ${upload.name}: the file is not a JPEG, PNG, GIF or BMP image.`);
  const extension = /\.([A-Za-z0-9]+)$/.exec(upload.name)?.[1]?.toLowerCase();
  // A base64 `bytes` upload has no file name; its type comes from its bytes alone.
  if (upload.key !== "bytes" && (!extension || !IMAGE_EXTENSIONS[format.contentType].includes(extension))) {
    throw errors.invalidParameter(`(#100) Invalid image name ${upload.name}: include the extension of its type (${IMAGE_EXTENSIONS[format.contentType].map((e) => `.${e}`).join(" or ")}), as in sample.jpg.`);
  }
  return format;
}
