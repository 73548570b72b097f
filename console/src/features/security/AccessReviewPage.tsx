import { Alert, Anchor, Badge, Button, Card, Code, Group, List, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { errorMessage, graph, graphStream } from "../../shared/api.ts";
import { formatTime, plural } from "../../shared/format.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { OperationProgress } from "../../shared/OperationProgress.tsx";
import { PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { StatusBadge } from "../../shared/StatusBadge.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";

interface Ref {
  id: string;
  name: string;
  type: string;
}

export interface FindingFix {
  action: string;
  description: string;
  params: Record<string, unknown>;
}

export interface Finding {
  kind: string;
  principal: Ref | null;
  asset: Ref | null;
  path: string;
  evidence: Record<string, unknown>;
  fix: FindingFix;
  /** Every fix, narrowest first (`fix` is one of them). */
  fixes?: FindingFix[];
}

interface FindingsReport {
  window_days: number;
  data: Finding[];
}

export interface ReviewCampaign {
  id: string;
  name: string;
  status: string;
  close_policy: string;
  created_time: string | null;
  due_time: string | null;
  closed_time: string | null;
  items: number;
  /** "graph" when its grants were read through a Graph API (`graph_url`, `graph_business_id`). */
  source?: string;
  graph_url?: string | null;
  graph_business_id?: string | null;
  graph_business_name?: string | null;
}

const KIND_LABELS: Record<string, string> = {
  unused: "Unused access",
  over_privileged: "More access than used",
  stale_principal: "Inactive person or system user",
  external: "Access from outside",
  unverified_app_write: "Unverified app that can change things",
  share_ending: "Share ending",
  missing_2fa: "Two-factor missing",
  unguarded_partner: "Partner without guardrails",
};

const KIND_COLORS: Record<string, string> = { unused: "orange", over_privileged: "yellow", stale_principal: "orange", external: "blue", unverified_app_write: "red", share_ending: "grape", missing_2fa: "red", unguarded_partner: "orange" };

/** The button's words for each fix; a fix that only a person can make (turning on 2FA) has none. */
export function fixButtonLabel(fix: FindingFix): string | null {
  switch (fix.action) {
    case "downgrade":
      return `Downgrade to ${String(fix.params.level ?? "").replaceAll("_", " ").toLowerCase()}`;
    case "remove_assignment":
      return "Remove the assignment";
    case "revoke_share":
    case "renew_or_end_share":
      return "End the share";
    case "remove_member":
      return "Remove from the business";
    case "revoke_token":
      return "Revoke the tokens";
    case "remove_app":
      return "Remove the app";
    default:
      return null;
  }
}

function evidenceValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => (typeof v === "object" && v !== null ? ((v as { name?: string; id?: string }).name ?? (v as { id?: string }).id ?? JSON.stringify(v)) : String(v))).join(", ");
  if (typeof value === "object") return (value as { name?: string }).name ?? JSON.stringify(value);
  return String(value);
}

/** One fix's button: it opens the confirmation that names what stops working for whom, then applies the fix. */
function FixButton({ fix, finding, businessId, onFixed }: { fix: FindingFix; finding: Finding; businessId: string; onFixed: (summary: string, finding: Finding) => void }) {
  const label = fixButtonLabel(fix);
  if (!label) return null;
  const who = finding.principal ? finding.principal.name : "—";
  return (
    <ConfirmAction
      kind="fix"
      label={label}
      ariaLabel={`${label}: ${who}${finding.asset ? ` on ${finding.asset.name}` : ""}`}
      buttonProps={{ variant: "light" }}
      title={`${label}?`}
      impact={{ node: businessId, params: { change: "fix", fix: { action: fix.action, params: fix.params } } }}
      confirmLabel={label}
      onConfirm={() => graph.post<{ summary: string }>(`/${businessId}/access_review_fixes`, { action: fix.action, params: fix.params })}
      invalidate={[["access-review-findings", businessId]]}
      onDone={(answer) => onFixed((answer as { summary: string }).summary, { ...finding, fix })}
    />
  );
}

/**
 * One finding with its evidence and fixes. Without `onFixed` (a business read through another
 * Graph API, whose fixes are made in its review campaign) the fixes are described, not offered.
 */
export function FindingCard({ finding, index, businessId, onFixed }: { finding: Finding; index: number; businessId: string; onFixed?: (summary: string, finding: Finding) => void }) {
  const who = finding.principal ? finding.principal.name : "—";
  const fixes = finding.fixes && finding.fixes.length > 0 ? finding.fixes : [finding.fix];
  return (
    <Card withBorder data-testid={`finding-${index}`}>
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <Badge color={KIND_COLORS[finding.kind] ?? "gray"} variant="light" autoContrast>
            {KIND_LABELS[finding.kind] ?? finding.kind}
          </Badge>
          <Text fw={600}>{who}</Text>
          {finding.asset && <Text size="sm">on {finding.asset.name}</Text>}
        </Group>
        <Text size="sm">
          <Text span c="dimmed">
            How:{" "}
          </Text>
          {finding.path}
        </Text>
        <details>
          <summary>
            <Text span size="sm">
              Evidence
            </Text>
          </summary>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={4} mt={4}>
            {Object.entries(finding.evidence).map(([key, value]) => (
              <Text size="xs" key={key}>
                <Text span c="dimmed" size="xs">
                  {key.replaceAll("_", " ")}:
                </Text>{" "}
                {evidenceValue(value)}
              </Text>
            ))}
          </SimpleGrid>
        </details>
        {fixes.length === 1 ? (
          <>
            <Text size="sm">
              <Text span c="dimmed">
                Fix:{" "}
              </Text>
              {fixes[0]!.description}
            </Text>
            {onFixed && fixButtonLabel(fixes[0]!) && (
              <Group>
                <FixButton fix={fixes[0]!} finding={finding} businessId={businessId} onFixed={onFixed} />
              </Group>
            )}
          </>
        ) : (
          <>
            <Text size="sm" c="dimmed" id={`fixes-${index}`}>
              Fixes, narrowest first:
            </Text>
            <List type="ordered" size="sm" spacing="xs" aria-labelledby={`fixes-${index}`} data-testid={`fixes-${index}`}>
              {fixes.map((fix) => (
                <List.Item key={`${fix.action}-${JSON.stringify(fix.params)}`}>
                  <Stack gap={4} align="flex-start">
                    <Text size="sm">{fix.description}</Text>
                    {onFixed && <FixButton fix={fix} finding={finding} businessId={businessId} onFixed={onFixed} />}
                  </Stack>
                </List.Item>
              ))}
            </List>
          </>
        )}
      </Stack>
    </Card>
  );
}

function Findings({ businessId }: { businessId: string }) {
  const [windowDays, setWindowDays] = useState<string | null>("90");
  const [requested, setRequested] = useState<number | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number; phase: string } | null>(null);
  const findings = useQuery({
    queryKey: ["access-review-findings", businessId, requested],
    queryFn: async () => {
      setProgress(null);
      // The hub reports each phase of the review as it goes, then the findings.
      return graphStream<{ done: number; total: number; phase: string }, FindingsReport>(`/${businessId}/access_review_findings_stream`, { window_days: requested ?? 90 }, setProgress);
    },
    enabled: requested !== null,
    staleTime: Infinity,
  });
  const running = findings.isFetching;
  // The findings are computed again after a fix, so its result is shown above the list, not in a card.
  const [applied, setApplied] = useState<{ summary: string; finding: Finding } | null>(null);
  return (
    <Section title="Findings">
      <Group align="flex-end" mb="sm" wrap="wrap">
        <Select
          label="Look back over"
          data={[
            { value: "30", label: "30 days" },
            { value: "90", label: "90 days" },
            { value: "180", label: "180 days" },
          ]}
          value={windowDays}
          onChange={setWindowDays}
          allowDeselect={false}
          w={{ base: "100%", sm: 160 }}
        />
        <Button onClick={() => (requested === Number(windowDays) ? void findings.refetch() : setRequested(Number(windowDays)))} loading={running}>
          {findings.data ? "Run the review again" : "Run the access review"}
        </Button>
      </Group>
      <OperationProgress running={running} label={`Computing the access review${progress && progress.phase !== "done" ? ` (${progress.phase})` : ""}`} done={progress?.done} total={progress?.total} />
      {applied && (
        <Alert color="green" role="status" title="Fix applied" mb="sm" data-testid="fix-result">
          {applied.summary} ({applied.finding.fix.description})
        </Alert>
      )}
      {requested === null ? (
        <Text c="dimmed">The review reads every grant and the use recorded in the window, then lists what to look at, each with a fix.</Text>
      ) : (
        !running && (
          <QueryState query={findings} label="findings" empty="Nothing to report: every grant was used and nothing reaches the assets unexpectedly." isEmpty={(d) => d.data.length === 0}>
            {(report) => (
              <Stack gap="sm">
                <Text size="sm" role="status">
                  {plural(report.data.length, "finding")} over the last {plural(report.window_days, "day")}.
                </Text>
                {report.data.map((f, i) => (
                  <FindingCard key={`${f.kind}-${f.principal?.id}-${f.asset?.id}-${i}`} finding={f} index={i} businessId={businessId} onFixed={(summary, finding) => setApplied({ summary, finding })} />
                ))}
              </Stack>
            )}
          </QueryState>
        )
      )}
    </Section>
  );
}

function Campaigns({ businessId }: { businessId: string }) {
  const key = ["access-review-campaigns", businessId];
  const campaigns = useQuery({ queryKey: key, queryFn: () => graph.get<{ data: ReviewCampaign[] }>(`/${businessId}/access_review_campaigns`) });
  const [name, setName] = useState("");
  const [dueInDays, setDueInDays] = useState<number | string>(14);
  const [closePolicy, setClosePolicy] = useState<string | null>("skip");
  const start = useGraphMutation(() => graph.post<ReviewCampaign>(`/${businessId}/access_review_campaigns`, { name: name || undefined, due_in_days: Number(dueInDays), close_policy: closePolicy ?? "skip" }), {
    invalidate: [key],
    onSuccess: () => setName(""),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };
  return (
    <Section title="Review campaigns">
      <Card withBorder mb="md">
        <form onSubmit={submit} aria-label="Start a review campaign">
          <Group align="flex-start" wrap="wrap">
            <TextInput label="Name" placeholder="Q3 access review" value={name} onChange={(e) => setName(e.currentTarget.value)} error={start.error ? errorMessage(start.error) : undefined} w={{ base: "100%", sm: 240 }} />
            <NumberInput label="Due in (days)" min={1} max={365} value={dueInDays} onChange={setDueInDays} w={{ base: "100%", sm: 140 }} />
            <Select
              label="At close, undecided items are"
              data={[
                { value: "skip", label: "left as they are" },
                { value: "revoke", label: "revoked" },
              ]}
              value={closePolicy}
              onChange={setClosePolicy}
              allowDeselect={false}
              w={{ base: "100%", sm: 220 }}
            />
            <Button type="submit" mt={{ base: 0, sm: 25 }} loading={start.isPending}>
              Start campaign
            </Button>
          </Group>
          <OperationProgress running={start.isPending} label="Taking a snapshot of every grant" />
          {start.isSuccess && (
            <Text size="sm" mt="xs" role="status">
              Started {start.data.name} with {plural(start.data.items, "item")}.{" "}
              <Anchor component={Link} to={`/b/${businessId}/security/review/campaigns/${start.data.id}`}>
                Open it
              </Anchor>
            </Text>
          )}
        </form>
      </Card>
      <QueryState query={campaigns} label="review campaigns" empty="No campaign yet." isEmpty={(d) => d.data.length === 0}>
        {({ data }) => (
          <DataTable
            label="Review campaigns"
            rows={data}
            rowKey={(c) => c.id}
            columns={[
              {
                header: "Campaign",
                cell: (c) => (
                  <Anchor component={Link} to={`/b/${businessId}/security/review/campaigns/${c.id}`}>
                    {c.name}
                  </Anchor>
                ),
              },
              { header: "Status", cell: (c) => <StatusBadge status={c.status.toUpperCase()} /> },
              { header: "Source", cell: (c) => campaignSource(c) },
              { header: "Items", cell: (c) => c.items },
              { header: "Started", cell: (c) => formatTime(c.created_time) },
              { header: "Due", cell: (c) => formatTime(c.due_time) },
            ]}
          />
        )}
      </QueryState>
    </Section>
  );
}

/** Where a campaign's grants were read: this hub, or a business read through a Graph API. */
export function campaignSource(c: ReviewCampaign): string {
  return c.source === "graph" ? `${c.graph_business_name ?? "Business"} ${c.graph_business_id ?? ""} through the Graph` : "This business";
}

/** Security center → Access review: findings with their one-click fixes, and review campaigns. */
export function AccessReviewPage() {
  const { businessId } = useBusiness();
  return (
    <>
      <PageTitle description="What to look at in who can reach this business's assets, each with evidence and a fix; and campaigns where admins certify, narrow or remove every grant.">
        Access review
      </PageTitle>
      <Stack gap="xl">
        <Findings businessId={businessId} />
        <Campaigns businessId={businessId} />
        <Text size="sm">
          Assets kept on Meta Business Manager?{" "}
          <Anchor component={Link} to={`/b/${businessId}/security/review/graph`}>
            Review a Meta business
          </Anchor>{" "}
          through the Graph API with its own token.
        </Text>
        <Text size="xs" c="dimmed">
          The same review runs from the command line: <Code>grantline review --business {businessId}</Code>
        </Text>
      </Stack>
    </>
  );
}
