import { describe, expect, it } from "vitest";
import { redactUrl } from "./server.ts";

describe("redactUrl", () => {
  it("hides every secret-bearing query parameter and keeps the rest", () => {
    expect(redactUrl("/oauth/access_token?client_id=1&client_secret=s3cr3t&code=abc&redirect_uri=x")).toBe("/oauth/access_token?client_id=1&client_secret=[redacted]&code=[redacted]&redirect_uri=x");
    expect(redactUrl("/debug_token?input_token=t1&access_token=1|s")).toBe("/debug_token?input_token=[redacted]&access_token=[redacted]");
    expect(redactUrl("/auth/password-reset?token=abc")).toBe("/auth/password-reset?token=[redacted]");
    expect(redactUrl("/1/graph_review_targets?graph_url=x&graph_token=EAAB")).toBe("/1/graph_review_targets?graph_url=x&graph_token=[redacted]");
    expect(redactUrl("/act_1/campaigns?fields=id")).toBe("/act_1/campaigns?fields=id");
  });
});
