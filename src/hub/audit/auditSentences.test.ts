import { describe, expect, it } from "vitest";
import { auditCategoryOf, auditSentence, sentencePartsOf, type AuditNames } from "./auditSentences.ts";

const names: AuditNames = {
  actor: (id) => ({ p1: "Alice Advertiser", p2: "Sam Specialist" })[id],
  business: (id) => ({ b1: "Acme Outdoor", b2: "Northwind Media" })[id],
  principal: (id) => ({ p1: "Alice Advertiser", p2: "Sam Specialist" })[id],
  asset: (id) => (id === "a1" ? { name: "Acme Main", type: "ad_account" as const } : undefined),
};
const row = (over: Partial<Parameters<typeof sentencePartsOf>[0]>): Parameters<typeof sentencePartsOf>[0] => ({
  action: "share.offer",
  outcome: "success",
  reason: null,
  actor_id: "p1",
  target_id: "a1",
  before_json: null,
  after_json: null,
  ...over,
});
const sentence = (over: Partial<Parameters<typeof sentencePartsOf>[0]>) => auditSentence(sentencePartsOf(row(over), names));

describe("audit entries as sentences", () => {
  it("names who offered which partner what level on which asset", () => {
    expect(sentence({ after_json: JSON.stringify({ partner: "b2", tasks: ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"] }) })).toBe(
      "Alice Advertiser offered Northwind Media Standard access to Acme Main.",
    );
    expect(sentence({ action: "assignment.add", actor_id: "p1", after_json: JSON.stringify({ principal: "p2", tasks: ["ANALYZE"] }) })).toBe(
      "Alice Advertiser assigned Sam Specialist Analytics view to Acme Main.",
    );
  });

  it("says a refused attempt was refused, and why", () => {
    expect(sentence({ action: "share.remove", outcome: "denied", reason: "Only admins of Acme Outdoor can do this.", after_json: JSON.stringify({ partner: "b2" }) })).toBe(
      "Refused: Alice Advertiser ended Northwind Media's access to Acme Main. Only admins of Acme Outdoor can do this.",
    );
  });

  it("reads actions without a phrase as words, and gone objects as gone", () => {
    expect(sentence({ action: "campaign.create", target_id: "c9", after_json: JSON.stringify({ name: "Spring Sale" }) })).toBe("Alice Advertiser created the campaign Spring Sale.");
    expect(sentence({ action: "member.remove", target_id: "p404" })).toBe("Alice Advertiser removed an object that no longer exists from the business.");
    expect(sentence({ action: "auth.login", actor_id: null, target_id: null })).toBe("Grantline signed in.");
  });

  it("files every action under a category by its prefix", () => {
    expect(auditCategoryOf("share.offer")).toBe("partners");
    expect(auditCategoryOf("assignment.add")).toBe("people");
    expect(auditCategoryOf("adcreative.update")).toBe("ads");
    expect(auditCategoryOf("nothing.here")).toBeUndefined();
  });
});
