import type { FastifyRequest } from "fastify";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { jsonColumn, stringList, StoredJsonError } from "./jsonColumn.ts";
import { asGraphError } from "../web/errorHandler.ts";

describe("jsonColumn", () => {
  const settings = jsonColumn(z.object({ b: z.number(), a: z.string() }), "things.settings_json");

  it("writes what JSON.stringify writes and reads it back unchanged, keys in stored order and all", () => {
    const value = { b: 1, a: "x" };
    expect(settings.encode(value)).toBe(JSON.stringify(value));
    expect(settings.decode(settings.encode(value))).toEqual(value);
    const stored = '{"a":"y","extra":true,"b":2}';
    expect(JSON.stringify(settings.decode(stored))).toBe(stored);
  });

  it("fails on a stored value of another shape, or not JSON, naming the column", () => {
    const tasks = stringList("assignments.tasks");
    expect(() => tasks.decode('["MANAGE", 7]')).toThrow(StoredJsonError);
    expect(() => tasks.decode('["MANAGE", 7]')).toThrow(/assignments\.tasks/);
    expect(() => tasks.decode('{"tasks":[]}')).toThrow(/assignments\.tasks/);
    expect(() => tasks.decode("[\"MANAGE\"")).toThrow(/assignments\.tasks.*not JSON/);
  });

  it("treats NULL as a fault in decode and as absent in the OrNull pair", () => {
    const tasks = stringList("review_items.result_tasks");
    expect(() => tasks.decode(null)).toThrow(/review_items\.result_tasks.*NULL/);
    expect(tasks.decodeOrNull(null)).toBeNull();
    expect(tasks.encodeOrNull(null)).toBeNull();
    expect(tasks.decodeOrNull(tasks.encodeOrNull(["ADVERTISE"]))).toEqual(["ADVERTISE"]);
  });

  it("reaches a client as the generic internal error; the column is only logged", () => {
    const error = vi.fn();
    const request = { log: { error } } as unknown as FastifyRequest;
    const answer = asGraphError(new StoredJsonError("access_tokens.scopes", "it is NULL"), request);
    expect(answer.toGraph()).toEqual({ message: "An unknown error occurred", type: "OAuthException", code: 1, error_user_msg: "An unknown error occurred", is_transient: true });
    expect((error.mock.calls[0]?.[0] as { err: Error }).err.message).toContain("access_tokens.scopes");
  });
});
