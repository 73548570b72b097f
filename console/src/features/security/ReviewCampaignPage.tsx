import { Alert, Anchor, Button, Group, Modal, Radio, SegmentedControl, Select, Stack, Text, Textarea } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { downloadFile, errorMessage, graph } from "../../shared/api.ts";
import { formatTime, plural } from "../../shared/format.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { StatusBadge } from "../../shared/StatusBadge.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";
import { campaignSource, type ReviewCampaign } from "./AccessReviewPage.tsx";

const CAMPAIGN_FIELDS = "id,name,status,close_policy,created_time,due_time,closed_time,items,source,graph_url,graph_business_id,graph_business_name";
import { taskNames } from "../../../../src/hub/catalogue/taskNames.ts";
import type { ReviewItemView } from "../../../../src/hub/review/reviewCampaignViews.ts";

/** One review item as the Graph answers it (`/{campaign}/items`, `/{campaign}/decisions`). */
type Item = ReviewItemView;

/** A change made through the Graph, as read back. */
function graphCheckWords(check: NonNullable<Item["graph_check"]>): string {
  const read = check.confirmed ? "Confirmed by reading the Graph back" : "Not confirmed by reading the Graph back";
  return check.removal_check.verified ? `${read}; removal check passed.` : `${read}; removal check failed: ${check.removal_check.remaining.join("; ")}.`;
}

const sameTasks = (a: string[], b: string[]) => a.length === b.length && a.every((t) => b.includes(t));

/** Where an already-removed item's access went: the removal's audit entry, its actor and time. */
function removalWords(removal: NonNullable<Item["removal"]>): string {
  if (!removal.audit_entry_id) return "Removed outside this campaign; no audit entry found.";
  const who = removal.actor?.name ?? removal.actor?.id ?? removal.actor?.type ?? "Grantline";
  return `Removed by ${who} on ${formatTime(removal.time)} (${removal.action}, audit entry ${removal.audit_entry_id}).`;
}

interface Group {
  key: string;
  label: string;
  items: Item[];
}

const LEVELS = [
  { value: "STANDARD", label: "Standard" },
  { value: "LAUNCH_ONLY", label: "Launch only" },
  { value: "VIEW_ONLY", label: "View only" },
  { value: "ANALYTICS_VIEW", label: "Analytics view" },
];

const KIND_WORDS: Record<string, string> = { owner_assignment: "Assignment", partner_share: "Partner share", app_grant: "App" };

function DecideDialog({ item, campaignId, onClose }: { item: Item; campaignId: string; onClose: () => void }) {
  const advised = item.advice.find((a) => a.fix.action === "downgrade")?.fix.params.level;
  const [decision, setDecision] = useState("certify");
  const [level, setLevel] = useState<string | null>(typeof advised === "string" ? advised : "VIEW_ONLY");
  const [reason, setReason] = useState("");
  const decide = useGraphMutation(
    () => graph.post<Item>(`/${campaignId}/decisions`, { item_id: item.id, decision, reason, ...(decision === "downgrade" ? { level: level ?? undefined } : {}) }),
    { onSuccess: onClose },
  );
  const submit = useSubmitOnce(decide);
  return (
    <Modal opened onClose={onClose} title={`Decide: ${item.principal.name} on ${item.asset.name}`} closeButtonProps={{ "aria-label": "Close" }}>
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm">{item.path}</Text>
          <Radio.Group label="Decision" value={decision} onChange={setDecision}>
            <Stack gap={6} mt={4}>
              <Radio value="certify" label="Certify — the access stays as it is" />
              <Radio value="downgrade" label="Downgrade — narrow it to a smaller level" disabled={item.kind === "app_grant"} />
              <Radio value="revoke" label="Revoke — remove it now" />
            </Stack>
          </Radio.Group>
          {decision === "downgrade" && <Select label="New level" data={LEVELS} value={level} onChange={setLevel} allowDeselect={false} />}
          <Textarea label="Reason" description="Recorded with the decision and in the evidence export." value={reason} onChange={(e) => setReason(e.currentTarget.value)} withAsterisk autosize minRows={2} error={decide.error ? errorMessage(decide.error) : undefined} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={decide.isPending} color={decision === "revoke" ? "red" : undefined}>
              Save decision
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** One review campaign: items grouped by partner, asset or person; decide each with a reason; close; export the evidence. */
export function ReviewCampaignPage() {
  const { businessId } = useBusiness();
  const { campaignId = "" } = useParams();
  const [groupBy, setGroupBy] = useState("partner");
  const [deciding, setDeciding] = useState<Item | null>(null);
  const campaign = useQuery({ queryKey: ["review-campaign", campaignId], queryFn: () => graph.get<ReviewCampaign>(`/${campaignId}`, { fields: CAMPAIGN_FIELDS }) });
  const groups = useQuery({ queryKey: ["review-campaign-items", campaignId, groupBy], queryFn: () => graph.get<{ data: Group[] }>(`/${campaignId}/items`, { group_by: groupBy }) });
  const [closed, setClosed] = useState<{ skipped: number; revoked: number } | null>(null);
  // A campaign that leaves undecided items as they are removes nothing when it closes.
  const closeKeeping = useGraphMutation(() => graph.post<{ skipped: number; revoked: number }>(`/${campaignId}/close`), { onSuccess: setClosed });
  const remind = useGraphMutation(() => graph.post<{ open_items?: number }>(`/${campaignId}/reminders`));
  const download = useGraphMutation((format: "csv" | "pdf") => downloadFile(`/${campaignId}/evidence?format=${format}`, `access-review-${campaignId}.${format}`));
  const open = campaign.data?.status === "open";

  return (
    <>
      <Anchor component={Link} to={`/b/${businessId}/security/review`} size="sm">
        ← Access review
      </Anchor>
      <QueryState query={campaign} label="review campaign">
        {(c) => (
          <>
            <PageTitle
              description={`${plural(c.items, "item")} · started ${formatTime(c.created_time)} · due ${formatTime(c.due_time)}${c.closed_time ? ` · closed ${formatTime(c.closed_time)}` : ""}${c.source === "graph" ? ` · ${campaignSource(c)} (${c.graph_url ?? ""}); decisions change access there` : ""}`}
            >
              {c.name}
            </PageTitle>
            <Group mb="md" wrap="wrap">
              <StatusBadge status={c.status.toUpperCase()} />
              {open && (
                <>
                  <Button variant="default" size="sm" onClick={() => remind.mutate()} loading={remind.isPending}>
                    Remind reviewers
                  </Button>
                  {c.close_policy === "revoke" ? (
                    <ConfirmAction
                      kind="review-close"
                      label="Close campaign (revoke undecided)"
                      buttonProps={{ variant: "outline", size: "sm" }}
                      title={`Close ${c.name}?`}
                      description="Every item nobody decided is revoked now: those people, partners and apps lose that access. Decided items stay as decided."
                      confirmLabel="Close and revoke undecided"
                      onConfirm={() => graph.post<{ skipped: number; revoked: number }>(`/${campaignId}/close`)}
                      onDone={(answer) => setClosed(answer as { skipped: number; revoked: number })}
                    />
                  ) : (
                    <Button color="red" variant="outline" size="sm" onClick={() => closeKeeping.mutate()} loading={closeKeeping.isPending} disabled={closeKeeping.isPending}>
                      Close campaign (leave undecided)
                    </Button>
                  )}
                </>
              )}
              <Button variant="default" size="sm" onClick={() => download.mutate("csv")} loading={download.isPending && download.variables === "csv"}>
                Export CSV
              </Button>
              <Button variant="default" size="sm" onClick={() => download.mutate("pdf")} loading={download.isPending && download.variables === "pdf"}>
                Export PDF
              </Button>
            </Group>
            {closed && (
              <Alert color="green" role="status" mb="md" title="Campaign closed">
                {plural(closed.revoked, "undecided item")} revoked, {closed.skipped} left as they were.
              </Alert>
            )}
            {remind.isSuccess && (
              <Text size="sm" role="status" mb="md">
                {plural(remind.data.open_items ?? 0, "open item")}; the business's admins were reminded.
              </Text>
            )}
            <ErrorText error={closeKeeping.error ?? remind.error ?? download.error} />
          </>
        )}
      </QueryState>
      <Section
        title="Items"
        actions={
          <SegmentedControl
            aria-label="Group items by"
            value={groupBy}
            onChange={setGroupBy}
            data={[
              { value: "partner", label: "By partner" },
              { value: "asset", label: "By asset" },
              { value: "person", label: "By person" },
            ]}
          />
        }
      >
        <QueryState query={groups} label="review items" empty="This campaign has no items." isEmpty={(d) => d.data.length === 0}>
          {({ data }) => (
            <Stack gap="lg">
              {data.map((g) => (
                <Section key={g.key} title={g.label}>
                  <DataTable
                    label={`Items: ${g.label}`}
                    rows={g.items}
                    rowKey={(i) => i.id}
                    rowTestId={(i) => `item-${i.principal.name}-${i.asset.name}`}
                    columns={[
                      {
                        header: "Who",
                        cell: (i) => (
                          <>
                            {i.principal.name}
                            <Text size="xs" c="dimmed">
                              {KIND_WORDS[i.kind] ?? i.kind}
                            </Text>
                          </>
                        ),
                      },
                      { header: "Asset", cell: (i) => i.asset.name },
                      {
                        header: "Access",
                        cell: (i) => (
                          <>
                            <Text size="sm">{taskNames(i.asset.type, i.tasks)}</Text>
                            {i.current_tasks && !sameTasks(i.current_tasks, i.tasks) && (
                              <Text size="xs" c="dimmed" data-testid="current-tasks">
                                Narrowed since the campaign started; now {taskNames(i.asset.type, i.current_tasks)}
                              </Text>
                            )}
                          </>
                        ),
                      },
                      { header: "Advice", cell: (i) => <Text size="xs">{[...new Set(i.advice.map((a) => a.fix.description))].join(" ") || "—"}</Text> },
                      {
                        header: "Decision",
                        cell: (i) =>
                          i.status === "open" ? (
                            open ? (
                              <Button size="xs" onClick={() => setDeciding(i)} aria-label={`Decide ${i.principal.name} on ${i.asset.name}`}>
                                Decide
                              </Button>
                            ) : (
                              <Text size="sm">undecided</Text>
                            )
                          ) : i.status === "already_removed" ? (
                            <>
                              <StatusBadge status="ALREADY REMOVED" />
                              <Text size="xs" c="dimmed">
                                {i.removal ? removalWords(i.removal) : i.reason}
                              </Text>
                            </>
                          ) : (
                            <>
                              <StatusBadge status={i.status.toUpperCase()} />
                              {i.reason && (
                                <Text size="xs" c="dimmed">
                                  {i.reason}
                                </Text>
                              )}
                              {i.graph_check && (
                                <Text size="xs" c="dimmed" data-testid="graph-check">
                                  {graphCheckWords(i.graph_check)}
                                </Text>
                              )}
                            </>
                          ),
                      },
                    ]}
                  />
                </Section>
              ))}
            </Stack>
          )}
        </QueryState>
      </Section>
      {deciding && <DecideDialog item={deciding} campaignId={campaignId} onClose={() => setDeciding(null)} />}
    </>
  );
}
