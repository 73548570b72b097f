import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GrantlineError } from "../../src/errors.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { buildBusiness, buildMember, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";

describe.each(DIALECTS)("inviting people on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
  let clock: TestClock;
  let acme: TestBusiness;
  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock();
    hub = await store.open(clock);
    acme = await buildBusiness(hub, "Acme");
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("adds an existing account at once and invites anyone else until they sign up", async () => {
    const existing = await hub.businesses.createPerson(operatorContext(), { name: "Bo", email: "bo@example.test" });
    expect(await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "BO@example.test", role: "EMPLOYEE" })).toEqual({ added: true, personId: existing.id });
    expect(hub.engine.roleIn(existing.id, acme.id)).toBe("EMPLOYEE");

    const invited = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "cy@example.test", role: "FINANCE_ANALYST" });
    expect(invited.added).toBe(false);
    expect((await hub.invitations.listPending(acme.admin.ctx, acme.id)).map((i) => i.email)).toEqual(["cy@example.test"]);
    const cy = await hub.businesses.createPerson(operatorContext(), { name: "Cy", email: "cy@example.test" });
    expect(hub.engine.roleIn(cy.id, acme.id)).toBe("FINANCE_ANALYST");
    expect(await hub.invitations.listPending(acme.admin.ctx, acme.id)).toEqual([]);
  });

  it("lets invitations expire after 30 days and be cancelled", async () => {
    await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "late@example.test" });
    clock.advanceDays(30);
    expect(await hub.invitations.listPending(acme.admin.ctx, acme.id)).toEqual([]);
    const late = await hub.businesses.createPerson(operatorContext(), { name: "Late", email: "late@example.test" });
    expect(hub.engine.roleIn(late.id, acme.id)).toBeUndefined();

    const second = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "gone@example.test" });
    await hub.invitations.cancel(acme.admin.ctx, acme.id, second.invitation!.id);
    const gone = await hub.businesses.createPerson(operatorContext(), { name: "Gone", email: "gone@example.test" });
    expect(hub.engine.roleIn(gone.id, acme.id)).toBeUndefined();
  });

  it("refuses non-admins and bad input", async () => {
    const employee = await buildMember(hub, acme, "EMPLOYEE");
    const denied = await hub.invitations.invite(employee.ctx, acme.id, { email: "x@example.test" }).catch((e: unknown) => e);
    expect((denied as GrantlineError).id).toBe("PERMISSION_DENIED");
    const bad = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "nope", role: "EMPLOYEE" }).catch((e: unknown) => e);
    expect((bad as GrantlineError).id).toBe("INVALID_PARAMETER");
    const role = await hub.invitations.invite(acme.admin.ctx, acme.id, { email: "x@example.test", role: "OWNER" }).catch((e: unknown) => e);
    expect((role as GrantlineError).id).toBe("INVALID_PARAMETER");
  });
});
