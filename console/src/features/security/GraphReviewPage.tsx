import { Anchor, Button, Card, Group, List, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { errorMessage, graph } from "../../shared/api.ts";
import { formatTime, plural } from "../../shared/format.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { OperationProgress } from "../../shared/OperationProgress.tsx";
import { PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { FindingCard, type Finding, type ReviewCampaign } from "./AccessReviewPage.tsx";

/** A business read through a Graph API, held by this business for review; its token stays on the server. */
interface GraphTarget {
  id: string;
  graph_url: string;
  graph_business_id: string;
  graph_business_name: string | null;
  created_at: string | null;
  /** False once its token was removed (campaigns on it stay readable). */
  has_token: boolean;
}

interface GraphFindings {
  business_id: string;
  window_days: number;
  graph_calls: number;
  not_reviewed: { what: string; why: string }[];
  data: Finding[];
}

const targetName = (t: GraphTarget) => `${t.graph_business_name ?? "Business"} (${t.graph_business_id})`;

/** The form: Graph URL, business id and token, entered once; the server seals the token. */
function ConnectForm({ businessId, onConnected }: { businessId: string; onConnected: (target: GraphTarget) => void }) {
  const [graphUrl, setGraphUrl] = useState("https://graph.facebook.com/v24.0");
  const [graphBusinessId, setGraphBusinessId] = useState("");
  const [token, setToken] = useState("");
  const connect = useGraphMutation(() => graph.post<GraphTarget>(`/${businessId}/graph_review_targets`, { graph_url: graphUrl, graph_business_id: graphBusinessId, graph_token: token }), {
    invalidate: [["graph-review-targets", businessId]],
    onSuccess: (target) => {
      setToken("");
      onConnected(target);
    },
  });
  const submit = useSubmitOnce(connect);
  return (
    <Card withBorder>
      <form onSubmit={submit} aria-label="Review a Meta business">
        <Stack gap="sm">
          <TextInput label="Graph API URL" required value={graphUrl} onChange={(e) => setGraphUrl(e.currentTarget.value)} description="Meta's, or another Grantline hub's Graph address." />
          <TextInput label="Business ID" required value={graphBusinessId} onChange={(e) => setGraphBusinessId(e.currentTarget.value)} inputMode="numeric" autoComplete="off" />
          <PasswordInput
            label="The business's access token"
            required
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            autoComplete="off"
            description="With business_management, of an admin system user of that business. It is sealed on the server and never shown again."
            error={connect.error ? errorMessage(connect.error) : undefined}
          />
          <Group>
            <Button type="submit" loading={connect.isPending}>
              Connect and review
            </Button>
          </Group>
          <OperationProgress running={connect.isPending} label="Checking the token with the Graph API" />
        </Stack>
      </form>
    </Card>
  );
}

/** The held business's findings, read through its Graph API now, and the button that starts a campaign on it. */
function TargetReview({ businessId, target }: { businessId: string; target: GraphTarget }) {
  const findings = useQuery({
    queryKey: ["graph-review-findings", businessId, target.id],
    queryFn: () => graph.get<GraphFindings>(`/${businessId}/graph_review_findings`, { target_id: target.id }),
    staleTime: Infinity,
  });
  const start = useGraphMutation(() => graph.post<ReviewCampaign>(`/${businessId}/access_review_campaigns`, { graph_target_id: target.id }), {
    invalidate: [["access-review-campaigns", businessId]],
  });
  return (
    <Section title={`Findings for ${targetName(target)}`}>
      <OperationProgress running={findings.isFetching} label="Reading the business through the Graph API" />
      {!findings.isFetching && (
        <QueryState query={findings} label="findings" empty="" isEmpty={() => false}>
          {(report) => (
            <Stack gap="sm">
              <Text size="sm" role="status">
                {plural(report.data.length, "finding")} over the last {plural(report.window_days, "day")}, read with {plural(report.graph_calls, "Graph call")}.
              </Text>
              <Group>
                <Button onClick={() => start.mutate()} loading={start.isPending}>
                  Start a review campaign
                </Button>
                <Button variant="default" onClick={() => void findings.refetch()}>
                  Read it again
                </Button>
              </Group>
              <OperationProgress running={start.isPending} label="Taking a snapshot of every grant through the Graph API" />
              {start.error && <Text c="red.8">{errorMessage(start.error)}</Text>}
              {start.isSuccess && (
                <Text size="sm" role="status">
                  Started {start.data.name} with {plural(start.data.items, "item")}.{" "}
                  <Anchor component={Link} to={`/b/${businessId}/security/review/campaigns/${start.data.id}`}>
                    Open it
                  </Anchor>
                </Text>
              )}
              {report.data.map((f, i) => (
                <FindingCard key={`${f.kind}-${f.principal?.id}-${f.asset?.id}-${i}`} finding={f} index={i} businessId={businessId} />
              ))}
              {report.not_reviewed.length > 0 && (
                <Card withBorder>
                  <Text fw={600} size="sm" id="not-reviewed">
                    What the Graph would not show this token
                  </Text>
                  <List size="sm" aria-labelledby="not-reviewed">
                    {report.not_reviewed.map((g) => (
                      <List.Item key={g.what}>
                        {g.what}: {g.why}
                      </List.Item>
                    ))}
                  </List>
                </Card>
              )}
            </Stack>
          )}
        </QueryState>
      )}
    </Section>
  );
}

/** Security center → Access review → Review a Meta business: findings and campaigns over a business read through the Graph API. */
export function GraphReviewPage() {
  const { businessId } = useBusiness();
  const targets = useQuery({ queryKey: ["graph-review-targets", businessId], queryFn: () => graph.get<{ data: GraphTarget[] }>(`/${businessId}/graph_review_targets`) });
  const [selected, setSelected] = useState<GraphTarget | null>(null);
  return (
    <>
      <PageTitle description="The access review of a business kept on Meta Business Manager (or another hub), read through the Graph API with that business's own token; campaigns on it change access through the Graph and check it.">
        Review a Meta business
      </PageTitle>
      <Stack gap="xl">
        <ConnectForm businessId={businessId} onConnected={setSelected} />
        <Section title="Businesses reviewed through the Graph">
          <QueryState query={targets} label="businesses" empty="None yet." isEmpty={(d) => d.data.length === 0}>
            {({ data }) => (
              <DataTable
                label="Businesses reviewed through the Graph"
                rows={data}
                rowKey={(t) => t.id}
                columns={[
                  { header: "Business", cell: (t) => targetName(t) },
                  { header: "Graph API", cell: (t) => t.graph_url },
                  { header: "Added", cell: (t) => formatTime(t.created_at) },
                  {
                    header: "Actions",
                    cell: (t) => (
                      <Group gap="xs" wrap="nowrap">
                        {t.has_token ? (
                          <Button size="xs" variant="light" onClick={() => setSelected(t)} aria-label={`Review ${targetName(t)}`}>
                            Review
                          </Button>
                        ) : (
                          <Text size="xs" c="dimmed">
                            Token removed: enter it again above to review
                          </Text>
                        )}
                        {t.has_token && (
                          <ConfirmAction
                            kind="graph-review-token"
                            label="Remove"
                            ariaLabel={`Remove ${targetName(t)} and its token`}
                            title={`Stop reviewing ${targetName(t)}?`}
                            description="Its token is erased from this server at once. Campaigns on this business stay readable and their evidence can still be exported; reading it or changing its access again needs its token again."
                            confirmLabel="Remove the token"
                            onConfirm={() => graph.delete(`/${businessId}/graph_review_targets`, { target_id: t.id })}
                            invalidate={[["graph-review-targets", businessId]]}
                            onDone={() => setSelected((s) => (s?.id === t.id ? null : s))}
                          />
                        )}
                      </Group>
                    ),
                  },
                ]}
              />
            )}
          </QueryState>
        </Section>
        {selected && <TargetReview key={selected.id} businessId={businessId} target={selected} />}
        <Anchor component={Link} to={`/b/${businessId}/security/review`}>
          Back to the access review
        </Anchor>
      </Stack>
    </>
  );
}
