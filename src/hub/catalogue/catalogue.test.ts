import { describe, expect, it } from "vitest";
import { ACTION_NAMES, ACTIONS, actionLabel, requiredMask, type ActionSpec } from "./actions.ts";
import { ASSET_TYPE_INFO, ASSET_TYPES, fullMask, taskMask, tasksOfMask } from "./assetTypes.ts";
import { PERMISSION_LEVELS, presetTasks, smallestLevelCovering, describeGrant } from "./permissionLevels.ts";
import { SCOPES } from "./roles.ts";
import { taskName, taskNames } from "./taskNames.ts";
import { validateTasks } from "./validateTasks.ts";

describe("task catalogue", () => {
  it("uses Meta's task names per asset type", () => {
    expect(ASSET_TYPE_INFO.ad_account.tasks).toEqual(["MANAGE", "ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"]);
    expect(ASSET_TYPE_INFO.pixel.shareTasks).toEqual(["ADVERTISE", "ANALYZE", "EDIT", "UPLOAD"]);
    expect(ASSET_TYPE_INFO.pixel.tasks).toContain("AA_ANALYZE");
    expect(ASSET_TYPE_INFO.product_catalog.tasks).toEqual(["AA_ANALYZE", "ADVERTISE", "MANAGE", "MANAGE_AR"]);
    expect(ASSET_TYPE_INFO.instagram_account.tasks).toEqual(["ADVERTISE", "ANALYZE", "COMMUNITY_ACTIVITY", "CONTENT", "MESSAGES"]);
    expect(ASSET_TYPE_INFO.page.tasks).toHaveLength(27);
  });

  it("round-trips task masks", () => {
    for (const type of ASSET_TYPES) {
      const tasks = ASSET_TYPE_INFO[type].tasks;
      expect(tasksOfMask(type, fullMask(type))).toEqual(tasks);
      expect(tasksOfMask(type, taskMask(type, [tasks[0]!]))).toEqual([tasks[0]]);
    }
  });

  it("builds every preset from the type's own tasks, narrowest first", () => {
    for (const type of ASSET_TYPES) {
      const shareable = ASSET_TYPE_INFO[type].shareTasks;
      for (const level of PERMISSION_LEVELS) {
        for (const task of presetTasks(type, level)) expect(shareable).toContain(task);
      }
      expect(presetTasks(type, "ADMIN").length).toBe(shareable.length);
      const adminMask = taskMask(type, presetTasks(type, "ADMIN"));
      for (const level of PERMISSION_LEVELS) expect(taskMask(type, presetTasks(type, level)) & ~adminMask).toBe(0);
    }
    expect(smallestLevelCovering("ad_account", taskMask("ad_account", ["ANALYZE"]))).toBe("ANALYTICS_VIEW");
    expect(smallestLevelCovering("ad_account", taskMask("ad_account", ["AA_ANALYZE"]))).toBe("VIEW_ONLY");
    expect(smallestLevelCovering("ad_account", taskMask("ad_account", ["AA_ANALYZE", "ADVERTISE"]))).toBe("STANDARD");
    expect(smallestLevelCovering("ad_account", taskMask("ad_account", ["MANAGE"]))).toBe("ADMIN");
    expect(describeGrant("ad_account", ["ADVERTISE", "ANALYZE", "DRAFT", "AA_ANALYZE"])).toBe("Standard");
    expect(describeGrant("ad_account", ["DRAFT"])).toBe("Manage Creative Hub mockups");
  });

  it("maps every action to real tasks and scopes", () => {
    for (const name of ACTION_NAMES) {
      const spec: ActionSpec = ACTIONS[name];
      expect(Object.keys(spec.requires).length).toBeGreaterThan(0);
      for (const [type, tasks] of Object.entries(spec.requires)) {
        for (const task of tasks) expect(ASSET_TYPE_INFO[type as keyof typeof ASSET_TYPE_INFO].tasks).toContain(task);
        expect(requiredMask(name, type as keyof typeof ASSET_TYPE_INFO)).not.toBe(0);
      }
      for (const scope of spec.scopes) expect(SCOPES).toContain(scope);
    }
    expect(ACTIONS.create_campaign.requires).toEqual({ ad_account: ["ADVERTISE"] });
    // Meta's "View performance" (ANALYZE) is what reporting needs; AA_ANALYZE is Advanced Analytics.
    expect(ACTIONS.read_insights.requires.ad_account).toEqual(["ANALYZE"]);
    expect(ACTIONS.view_asset.requires.ad_account).toEqual(["ANALYZE"]);
    expect(ACTIONS.create_draft.requires).toEqual({ ad_account: ["DRAFT"] });
    expect(ACTIONS.manage_settings.requires.ad_account).toEqual(["MANAGE"]);
    expect(presetTasks("ad_account", "ANALYTICS_VIEW")).toEqual(["ANALYZE"]);
  });

  it("validates task lists with clear errors", () => {
    expect(validateTasks("ad_account", ["analyze", "ADVERTISE", "ANALYZE"], true)).toEqual(["ADVERTISE", "ANALYZE"]);
    expect(() => validateTasks("pixel", ["AA_ANALYZE"], true)).toThrow(/Unknown task AA_ANALYZE for a Pixel/);
    expect(() => validateTasks("ad_account", [], false)).toThrow(/At least one task/);
    expect(() => validateTasks("ad_account", "MANAGE", false)).toThrow(/must be a list/);
  });
});

describe("task names", () => {
  it("reads every task of every asset type in words, never as a code", () => {
    for (const type of ASSET_TYPES) {
      for (const task of ASSET_TYPE_INFO[type].tasks) {
        const name = taskName(type, task);
        expect(name, `${type} ${task}`).not.toMatch(/_|^[A-Z]+$/);
      }
    }
    expect(taskNames("ad_account", ["ADVERTISE", "ANALYZE"])).toBe("Manage campaigns, View performance");
    expect(describeGrant("ad_account", ["ADVERTISE", "AA_ANALYZE"])).toBe("Manage campaigns, Advanced analytics");
  });

  it("names an asset's settings in words that fit its type: a spend cap only for ad accounts", () => {
    expect(actionLabel("manage_settings", "ad_account")).toBe("changing the ad account's settings (name, spend cap)");
    for (const type of ASSET_TYPES.filter((t) => t !== "ad_account")) expect(actionLabel("manage_settings", type), type).not.toContain("spend cap");
    expect(actionLabel("create_campaign", "ad_account")).toBe(ACTIONS.create_campaign.label);
  });
});
