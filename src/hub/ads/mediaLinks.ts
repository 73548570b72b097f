import type { SecretBox } from "../../crypto/secretBox.ts";

/**
 * Links the hub hands out to ad media: an uploaded image's `url` and an ad preview's iframe `src`.
 * Like Meta's (a temporary image URL; a preview iframe anyone with the link may open), a link is a
 * capability: it is sealed with the instance key, names exactly one thing, and expires. Opening one
 * needs no token, so it carries nothing the Graph call that made it could not read.
 */
export type MediaTarget =
  | { kind: "image"; accountId: string; hash: string }
  | { kind: "ad"; id: string; format: string }
  | { kind: "creative"; id: string; format: string }
  | { kind: "spec"; accountId: string; spec: PreviewContent; format: string };

/** What a preview shows, already checked. */
export interface PreviewContent {
  title?: string | undefined;
  body?: string | undefined;
  link?: string | undefined;
  imageUrl?: string | undefined;
  imageHash?: string | undefined;
  callToAction?: string | undefined;
}

const CONTEXT = "ad_media_link";
/** Meta calls image URLs temporary and preview links short-lived; a day here, a month for a shareable link. */
export const LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const SHAREABLE_LINK_LIFETIME_MS = 30 * LINK_LIFETIME_MS;

export class MediaLinks {
  constructor(
    private readonly secrets: () => SecretBox,
    private readonly now: () => number,
  ) {}

  /** The path (without origin) that opens `target` until the lifetime runs out. */
  path(target: MediaTarget, lifetimeMs = LINK_LIFETIME_MS): string {
    const token = this.secrets().seal(JSON.stringify({ ...target, exp: this.now() + lifetimeMs }), CONTEXT);
    return `${target.kind === "image" ? "/ads/media/image" : "/ads/media/preview"}/${token}`;
  }

  /** The target of a token from such a path, or undefined when it is not one, was altered or has expired. */
  open(token: string): MediaTarget | undefined {
    try {
      const payload = JSON.parse(this.secrets().open(token, CONTEXT)) as MediaTarget & { exp: number };
      if (typeof payload.exp !== "number" || payload.exp < this.now()) return undefined;
      const { exp: _exp, ...target } = payload;
      return target as MediaTarget;
    } catch {
      return undefined;
    }
  }
}
