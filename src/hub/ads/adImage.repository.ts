import type { Executor } from "../../store/database.ts";
import type { AdImagesTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "../../store/keyset.ts";

export type AdImageRow = AdImagesTable;
/** An image without its bytes, as lists read it. */
export type AdImageInfo = Omit<AdImageRow, "data">;

const INFO_COLUMNS = ["id", "account_id", "hash", "name", "content_type", "width", "height", "byte_size", "status", "created_at", "updated_at"] as const;

export async function findAdImage(db: Executor, accountId: string, hash: string): Promise<AdImageInfo | undefined> {
  return db.selectFrom("ad_images").select(INFO_COLUMNS).where("account_id", "=", accountId).where("hash", "=", hash).executeTakeFirst();
}

/** The bytes of an image that is not deleted. */
export async function readAdImageBytes(db: Executor, accountId: string, hash: string): Promise<{ data: Buffer; content_type: string } | undefined> {
  const row = await db
    .selectFrom("ad_images")
    .select(["data", "content_type"])
    .where("account_id", "=", accountId)
    .where("hash", "=", hash)
    .where("status", "=", "ACTIVE")
    .executeTakeFirst();
  return row ? { data: Buffer.from(row.data), content_type: row.content_type } : undefined;
}

export async function insertAdImage(db: Executor, row: AdImageRow): Promise<void> {
  await db.insertInto("ad_images").values(row).execute();
}

export async function updateAdImage(db: Executor, accountId: string, hash: string, changes: Partial<Pick<AdImageRow, "name" | "status" | "updated_at">>): Promise<void> {
  await db.updateTable("ad_images").set(changes).where("account_id", "=", accountId).where("hash", "=", hash).execute();
}

export interface AdImageFilter {
  accountId: string;
  hashes?: readonly string[] | undefined;
  name?: string | undefined;
  minWidth?: number | undefined;
  minHeight?: number | undefined;
}

/** The account's images that are not deleted, in the window's keyset order. */
export async function listAdImages(db: Executor, filter: AdImageFilter, window: KeysetWindow): Promise<AdImageInfo[]> {
  let query = db.selectFrom("ad_images as img").select(INFO_COLUMNS.map((c) => `img.${c}` as const)).where("img.account_id", "=", filter.accountId).where("img.status", "=", "ACTIVE");
  if (filter.hashes) query = query.where("img.hash", "in", filter.hashes.length > 0 ? [...filter.hashes] : [""]);
  if (filter.name !== undefined) query = query.where("img.name", "=", filter.name);
  if (filter.minWidth !== undefined) query = query.where("img.width", ">=", filter.minWidth);
  if (filter.minHeight !== undefined) query = query.where("img.height", ">=", filter.minHeight);
  for (const condition of keysetConditions("img", window)) query = query.where(condition);
  const order = window.newestFirst ? "desc" : "asc";
  return query.orderBy("img.created_at", order).orderBy("img.id", order).limit(window.limit).execute();
}

/** How many of the account's creatives that are not deleted use the image. */
export async function countCreativesUsingImage(db: Executor, accountId: string, hash: string): Promise<number> {
  const row = await db
    .selectFrom("ad_creatives")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("account_id", "=", accountId)
    .where("image_hash", "=", hash)
    .where("status", "!=", "DELETED")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
