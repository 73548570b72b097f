import { expect } from "vitest";
import { GrantlineError } from "../../src/errors.ts";

/** Awaits a call that must fail with the catalogue error `id`, and returns that error. */
export async function expectError(promise: Promise<unknown>, id: string): Promise<GrantlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${id}`).toBeInstanceOf(GrantlineError);
  expect((error as GrantlineError).id).toBe(id);
  return error as GrantlineError;
}
