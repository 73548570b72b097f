import { Alert, Badge, Button, Card, Code, Group, Select, Stack, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { formatTime, formatTimeParts } from "../../shared/format.ts";
import { graph } from "../../shared/api.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState } from "../../shared/page.tsx";
import { OperationProgress } from "../../shared/OperationProgress.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";

interface AuditEntry {
  id: string;
  time: string;
  request_id: string;
  actor: { type: string; id: string | null; name: string | null };
  action: string;
  category: string | null;
  description: string;
  target: { type: string | null; id: string | null; name: string | null };
  outcome: string;
  reason: string | null;
}

interface Filters {
  category: string | null;
  outcome: string | null;
  actorName: string;
}

const CATEGORIES = [
  { value: "partners", label: "Partners and shares" },
  { value: "people", label: "People and assignments" },
  { value: "apps_and_tokens", label: "Apps, tokens and webhooks" },
  { value: "sign_in", label: "Sign-in and two-factor" },
  { value: "ads", label: "Campaigns, ad sets and ads" },
  { value: "access_review", label: "Access reviews" },
  { value: "alerts", label: "Alert channels" },
  { value: "business", label: "Business and assets" },
  { value: "autopilot", label: "Autopilot" },
];

const OUTCOME_COLORS: Record<string, string> = { success: "green", denied: "orange", invalid: "yellow", failed: "red" };

/** Security center → Audit log: every change and every refusal in this business, filtered; and a check of the hash chain. */
export function AuditLogPage() {
  const { businessId } = useBusiness();
  const [draft, setDraft] = useState<Filters>({ category: null, outcome: null, actorName: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const entries = useQuery({
    queryKey: ["audit", businessId, filters],
    queryFn: () =>
      graph.get<{ data: AuditEntry[] }>(`/${businessId}/audit_log`, {
        category: filters.category ?? undefined,
        outcome: filters.outcome ?? undefined,
        actor_name: filters.actorName || undefined,
        limit: 100,
        fields: "id,time,request_id,actor,action,category,description,target,outcome,reason",
      }),
  });
  const verify = useGraphMutation(() => graph.post<{ ok: boolean; entries: number; broken_at: number | null; problem: string | null }>(`/${businessId}/audit_verification`), { invalidate: [] });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };

  return (
    <>
      <PageTitle description="Every change and every refused attempt, newest first. Each entry is chained to the one before, so an edit shows.">Audit log</PageTitle>
      <Card withBorder mb="md">
        <Stack gap="xs">
          <Group>
            <Button variant="default" onClick={() => verify.mutate()} loading={verify.isPending}>
              Verify the chain
            </Button>
          </Group>
          <OperationProgress running={verify.isPending} label="Checking every entry of the chain" />
          {verify.data && (
            <Alert color={verify.data.ok ? "green" : "red"} role="status" title={verify.data.ok ? "The audit log is intact" : "The audit log was tampered with"}>
              {verify.data.ok ? `All ${verify.data.entries} entries follow each other unchanged.` : `${verify.data.problem ?? "Broken"} (entry ${verify.data.broken_at}).`}
            </Alert>
          )}
          <ErrorText error={verify.error} />
        </Stack>
      </Card>
      <form onSubmit={apply} aria-label="Filter the audit log">
        <Group align="flex-end" mb="md" wrap="wrap">
          <Select label="Category" data={CATEGORIES} value={draft.category} onChange={(value) => setDraft({ ...draft, category: value })} clearable placeholder="Any" w={{ base: "100%", sm: 240 }} />
          <Select
            label="Outcome"
            data={["success", "denied", "invalid", "failed"]}
            value={draft.outcome}
            onChange={(value) => setDraft({ ...draft, outcome: value })}
            clearable
            placeholder="Any"
            w={{ base: "100%", sm: 160 }}
          />
          <TextInput label="Person or system user" placeholder="Name" value={draft.actorName} onChange={(e) => setDraft({ ...draft, actorName: e.currentTarget.value })} w={{ base: "100%", sm: 200 }} />
          <Button type="submit">Apply filters</Button>
        </Group>
      </form>
      <QueryState query={entries} label="audit entries" empty="No entries match." isEmpty={(d) => d.data.length === 0}>
        {({ data }) => (
          <DataTable
            label="Audit entries"
            rows={data}
            rowKey={(e) => e.id}
            striped
            fz="sm"
            columns={[
              { header: "When", cell: (e) => <When value={e.time} /> },
              {
                header: "What happened",
                cell: (e) => (
                  <>
                    {e.description}
                    <Text size="xs" c="dimmed">
                      <Code>{e.action}</Code>
                    </Text>
                  </>
                ),
              },
              {
                header: "Outcome",
                cell: (e) => (
                  <>
                    <Badge color={OUTCOME_COLORS[e.outcome] ?? "gray"} variant="light" autoContrast>
                      {e.outcome}
                    </Badge>
                  </>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </>
  );
}

/** The entry's time as date over time of day, each on one line (no six-line dates on a phone). */
function When({ value }: { value: string }) {
  const parts = formatTimeParts(value);
  if (!parts) return <>{formatTime(value)}</>;
  return (
    <time dateTime={value.replace(/\+0000$/, "Z")} className="when">
      <span>{parts.date}</span>
      <span>{parts.time}</span>
    </time>
  );
}
