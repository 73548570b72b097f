import fs from "node:fs";
import type { GraphPage } from "../graph/client/graphClient.ts";
import type { PageCache } from "../graph/client/graphReview.ts";

/** What a checkpoint belongs to: a resumed review must read the same business the same way. */
export interface CheckpointHeader {
  kind: "grantline-graph-review";
  graph_url: string;
  business_id: string;
  window_days: number;
  /** The first run's "now" (ms), so a resumed review asks for the same activity window. */
  now: number;
}

/**
 * The pages a Graph-sourced review has read, one JSON line each after a header line, appended as
 * they arrive: an interrupted review loses at most the page it was reading. A line cut short by
 * the interruption is ignored on resume.
 */
export class FileCheckpoint implements PageCache {
  private readonly pages = new Map<string, GraphPage<Record<string, unknown>>>();
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    readonly header: CheckpointHeader,
  ) {}

  /** A new checkpoint (an old file at the path is replaced). */
  static start(path: string, header: CheckpointHeader): FileCheckpoint {
    const checkpoint = new FileCheckpoint(path, header);
    checkpoint.fd = fs.openSync(path, "w", 0o600);
    fs.writeSync(checkpoint.fd, `${JSON.stringify(header)}\n`);
    return checkpoint;
  }

  /** The checkpoint at the path, to resume; refused when it is for another business, Graph or window. */
  static resume(path: string, expected: Omit<CheckpointHeader, "now" | "kind">): FileCheckpoint {
    if (!fs.existsSync(path)) throw new Error(`No checkpoint at ${path} to resume; run without --resume to start a new review.`);
    const lines = fs.readFileSync(path, "utf8").split("\n");
    let header: CheckpointHeader;
    try {
      header = JSON.parse(lines[0] ?? "") as CheckpointHeader;
    } catch {
      throw new Error(`${path} is not a review checkpoint.`);
    }
    if (header.kind !== "grantline-graph-review") throw new Error(`${path} is not a review checkpoint.`);
    if (header.graph_url !== expected.graph_url || header.business_id !== expected.business_id || header.window_days !== expected.window_days) {
      throw new Error(
        `${path} is the checkpoint of business ${header.business_id} at ${header.graph_url} over ${header.window_days} days; run without --resume to start a new review.`,
      );
    }
    const checkpoint = new FileCheckpoint(path, header);
    for (const line of lines.slice(1)) {
      if (line.trim() === "") continue;
      try {
        const { key, page } = JSON.parse(line) as { key: string; page: GraphPage<Record<string, unknown>> };
        checkpoint.pages.set(key, page);
      } catch {
        // The line being written when the review was interrupted.
      }
    }
    checkpoint.fd = fs.openSync(path, "a", 0o600);
    return checkpoint;
  }

  /** Pages read so far. */
  get size(): number {
    return this.pages.size;
  }

  get(key: string) {
    return this.pages.get(key);
  }

  put(key: string, page: GraphPage<Record<string, unknown>>): void {
    this.pages.set(key, page);
    if (this.fd !== undefined) fs.writeSync(this.fd, `${JSON.stringify({ key, page })}\n`);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes and removes the file: the review it served is complete. */
  remove(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }
}
