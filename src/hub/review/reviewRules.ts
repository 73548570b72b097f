import type { AccessReviewReport } from "./findings.ts";
import { judgeAppGrants, judgeAssignments, judgeIdlePeople, judgeIdleSystemUsers, judgeShareGrants, judgeShareReach, judgeShares, judgeSharesEnding, judgeTwoFactor } from "./findingRules.ts";
import { Judging } from "./judging.ts";
import type { ReviewProgress, ReviewSnapshot } from "./reviewSnapshot.ts";

/**
 * Access review findings of a snapshot (`reviewSnapshot.ts`): grants nobody used, grants bigger
 * than their use, idle people and system users, everything reaching the business's assets from
 * outside, risky apps, shares ending, and 2FA gaps. The rules, one per finding kind, are in
 * `findingRules.ts`; this runs them in order and tells how far it is.
 */
export async function judgeSnapshot(snapshot: ReviewSnapshot, onProgress?: (progress: ReviewProgress) => Promise<void> | void): Promise<AccessReviewReport> {
  const { assets, assignments, shares, appGrants, members, systemUsers } = snapshot;
  const total = snapshot.uses.length + assignments.length + assets.size + shares.length + appGrants.length + members.length + systemUsers.length;
  let done = 0;
  const progressed = async (items: number, phase: string) => {
    done += items;
    await onProgress?.({ done, total, phase });
  };
  await progressed(0, "reading recorded use");
  const j = new Judging(snapshot);
  await progressed(snapshot.uses.length, "judging your own people's assignments");
  judgeAssignments(j);
  await progressed(assignments.length, "finding who reaches each asset through partners");
  const judgedShares = judgeShares(j);
  await progressed(assets.size, "judging partner shares");
  judgeShareGrants(j, judgedShares);
  judgeShareReach(j, judgedShares);
  judgeSharesEnding(j, judgedShares);
  await progressed(shares.length, "judging connected apps");
  judgeAppGrants(j);
  await progressed(appGrants.length, "looking for inactive people and system users");
  judgeIdlePeople(j);
  await progressed(members.length, "looking at system users' tokens");
  judgeIdleSystemUsers(j);
  await progressed(systemUsers.length, "done");
  judgeTwoFactor(j);
  return { business_id: snapshot.business.id, window_days: snapshot.windowDays, findings: j.findings() };
}
