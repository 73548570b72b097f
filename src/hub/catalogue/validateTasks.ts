import { errors } from "../../errors.ts";
import { ASSET_TYPE_INFO, taskMask, tasksOfMask, unknownTasks, type AssetType } from "./assetTypes.ts";

/** Checks a task list against the asset type and returns it de-duplicated in catalogue order. */
export function validateTasks(type: AssetType, input: unknown, forShare: boolean): string[] {
  if (!Array.isArray(input) || input.some((t) => typeof t !== "string")) {
    throw errors.invalidParameter("Tasks must be a list of task names, for example [\"ANALYZE\",\"ADVERTISE\"].");
  }
  const tasks = (input as string[]).map((t) => t.trim().toUpperCase());
  if (tasks.length === 0) throw errors.emptyTasks();
  const unknown = unknownTasks(type, tasks, forShare);
  if (unknown.length > 0) {
    const info = ASSET_TYPE_INFO[type];
    throw errors.unknownTasks(unknown, info.label, forShare ? info.shareTasks : info.tasks);
  }
  return tasksOfMask(type, taskMask(type, tasks));
}
