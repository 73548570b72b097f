import { Alert, Button, Card, Group, List, Radio, Select, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { assetTypeLabel } from "../../shared/assetTypes.ts";
import { errorMessage, graph } from "../../shared/api.ts";
import { formatTime } from "../../shared/format.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { OperationProgress } from "../../shared/OperationProgress.tsx";
import { PageTitle, Section } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";
import { useOwnedAssets, useSharedAssets, useStaffable } from "./queries.ts";

type Problem = "missing_asset" | "invitation" | "permissions" | "spend_spike";

interface Named {
  id: string;
  name: string;
}

interface WhoCanFix {
  business: Named;
  side: string;
  admins: Named[];
}

interface GrantLevel {
  level: string;
  tasks: string[];
  allows: string[];
}

/** The server's diagnosis; which fields are present depends on the problem. */
interface Diagnosis {
  problem: string;
  answer: string;
  allowed?: boolean;
  missing_tasks?: string[];
  fix?: string | null;
  who_can_fix?: WhoCanFix[];
  entered_business?: { id: string; name?: string; known: boolean };
  pending_offers?: { share_id: string; asset: Named; from: Named; expires_at: string | null }[];
  expired_offers?: { share_id: string; asset: Named; expired_at: string }[];
  active_shares?: { share_id: string; asset: Named; level: string }[];
  other_pending_offers?: { share_id: string; asset: Named; from: Named }[];
  routes?: { via: string; business: Named; share: GrantLevel | null; assignment: GrantLevel | null; effective: GrantLevel }[];
  cannot?: string[];
  raise?: { what: string; who: WhoCanFix }[];
  changes?: { at: string; action: string; object: Named & { type: string }; actor: { name: string; business: Named | null }; app: Named | null; changes: { field: string; before: unknown; after: unknown }[] }[];
}

const PROBLEMS: { value: Problem; label: string; help: string }[] = [
  { value: "missing_asset", label: "Someone cannot see or use an asset", help: "Which task they lack on it, and who can grant it." },
  { value: "invitation", label: "We did not receive a partner invitation", help: "Whose Business ID you were given, and what is waiting, expired or already active." },
  { value: "permissions", label: "Someone has the wrong permissions", help: "What the share and their assignment each allow, and which is the narrower one." },
  { value: "spend_spike", label: "Spend suddenly went up", help: "Every budget, bid and status change on the ad account since a date, and who made it." },
];

const ACTIONS = [
  { value: "view_asset", label: "See it" },
  { value: "read_insights", label: "See results" },
  { value: "create_campaign", label: "Create campaigns" },
  { value: "edit_campaign", label: "Edit campaigns" },
  { value: "change_budget", label: "Change budgets" },
  { value: "manage_access", label: "Manage who has access" },
];

function WhoFixes({ who }: { who: WhoCanFix[] }) {
  if (who.length === 0) return null;
  return (
    <List size="sm">
      {who.map((w) => (
        <List.Item key={`${w.business.id}-${w.side}`}>
          {w.business.name} ({w.side === "owner" ? "owns the asset" : "partner"}): {w.admins.map((a) => a.name).join(", ") || "no admin"}
        </List.Item>
      ))}
    </List>
  );
}

function DiagnosisView({ d }: { d: Diagnosis }) {
  return (
    <Stack gap="sm" data-testid="diagnosis">
      <Alert color={d.allowed ? "green" : "blue"} title="Diagnosis" role="status">
        {d.answer}
      </Alert>
      {d.entered_business && (
        <Text size="sm">
          Business ID {d.entered_business.id}: {d.entered_business.known ? <strong>{d.entered_business.name}</strong> : "no business has this ID"}
        </Text>
      )}
      {d.missing_tasks && d.missing_tasks.length > 0 && <Text size="sm">Missing tasks: {d.missing_tasks.join(", ")}</Text>}
      {d.fix && <Text size="sm">What would fix it: {d.fix}</Text>}
      {d.who_can_fix && d.who_can_fix.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            Who can fix it
          </Text>
          <WhoFixes who={d.who_can_fix} />
        </>
      )}
      {[
        { title: "Waiting for you", rows: d.pending_offers?.map((o) => `${o.asset.name} from ${o.from.name}${o.expires_at ? `, expires ${formatTime(o.expires_at)}` : ""}`) },
        { title: "Expired without an answer", rows: d.expired_offers?.map((o) => `${o.asset.name}, expired ${formatTime(o.expired_at)}`) },
        { title: "Already active", rows: d.active_shares?.map((s) => `${s.asset.name} (${s.level})`) },
        { title: "Waiting from other businesses", rows: d.other_pending_offers?.map((o) => `${o.asset.name} from ${o.from.name}`) },
      ]
        .filter((g) => g.rows && g.rows.length > 0)
        .map((g) => (
          <div key={g.title}>
            <Text size="sm" fw={600}>
              {g.title}
            </Text>
            <List size="sm">
              {g.rows!.map((r) => (
                <List.Item key={r}>{r}</List.Item>
              ))}
            </List>
          </div>
        ))}
      {d.routes && d.routes.length > 0 && (
        <DataTable
          label="How they reach the asset"
          rows={d.routes}
          rowKey={(r) => `${r.via}-${r.business.id}`}
          columns={[
            { header: "Through", cell: (r) => `${r.business.name} (${r.via === "owner" ? "owner" : "partner"})` },
            { header: "Share allows", cell: (r) => r.share?.level ?? "—" },
            { header: "Assignment allows", cell: (r) => r.assignment?.level ?? "not assigned" },
            { header: "Effective", cell: (r) => r.effective.level },
          ]}
        />
      )}
      {d.cannot && d.cannot.length > 0 && <Text size="sm">They cannot: {d.cannot.join(", ")}</Text>}
      {d.raise && d.raise.length > 0 && (
        <List size="sm">
          {d.raise.map((r) => (
            <List.Item key={r.what}>
              {r.what}: ask {r.who.business.name} ({r.who.admins.map((a) => a.name).join(", ") || "its admins"})
            </List.Item>
          ))}
        </List>
      )}
      {d.changes && (
        <DataTable
          label="Changes that move spend"
          rows={d.changes}
          rowKey={(c) => `${c.at}-${c.object.id}-${c.action}`}
          columns={[
            { header: "When", cell: (c) => formatTime(c.at) },
            { header: "What", cell: (c) => `${c.object.type} ${c.object.name}` },
            { header: "Change", cell: (c) => c.changes.map((x) => `${x.field}: ${String(x.before ?? "—")} → ${String(x.after ?? "—")}`).join("; ") || c.action },
            { header: "Who", cell: (c) => `${c.actor.name}${c.actor.business ? ` (${c.actor.business.name})` : ""}${c.app ? ` via ${c.app.name}` : ""}` },
          ]}
        />
      )}
    </Stack>
  );
}

/** Security center → Troubleshooter: the guide's common problems as a guided form, answered by the hub. */
export function TroubleshootPage() {
  const { businessId } = useBusiness();
  const [problem, setProblem] = useState<Problem>("missing_asset");
  const [principal, setPrincipal] = useState<string | null>(null);
  const [principalId, setPrincipalId] = useState("");
  const [asset, setAsset] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>("view_asset");
  const [ownerId, setOwnerId] = useState("");
  const [since, setSince] = useState(() => new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10));
  const people = useStaffable(businessId);
  const owned = useOwnedAssets(businessId);
  const shared = useSharedAssets(businessId);
  const assets = [...(owned.data ?? []), ...(shared.data ?? [])]
    .filter((a) => problem !== "spend_spike" || a.type === "ad_account")
    .map((a) => ({ value: a.graphId, label: `${a.name} (${assetTypeLabel(a.type)})` }));
  const who = principalId.trim() || principal || "";

  const ask = useGraphMutation(
    () => {
      if (problem === "invitation") return graph.get<Diagnosis>(`/${businessId}/troubleshoot`, { problem: "invitation", owner_business_id: ownerId.trim() });
      return graph.get<Diagnosis>(`/${asset ?? ""}/troubleshoot`, {
        problem,
        ...(problem === "spend_spike" ? { since } : { principal_id: who }),
        ...(problem === "missing_asset" && action ? { action } : {}),
      });
    },
    { invalidate: [] },
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    ask.mutate();
  };
  const needsAsset = problem !== "invitation";
  const needsPrincipal = problem === "missing_asset" || problem === "permissions";
  const ready = (!needsAsset || asset) && (!needsPrincipal || who) && (problem !== "invitation" || ownerId.trim());

  return (
    <>
      <PageTitle description="Pick the problem, answer a question or two, and the hub explains what it sees and what would fix it.">Troubleshooter</PageTitle>
      <Stack gap="xl">
        <Card withBorder>
          <form onSubmit={submit} aria-label="Describe the problem">
            <Stack>
              <Radio.Group
                label="What is the problem?"
                value={problem}
                onChange={(v) => {
                  setProblem(v as Problem);
                  ask.reset();
                }}
              >
                <Stack gap={6} mt={4}>
                  {PROBLEMS.map((p) => (
                    <Radio key={p.value} value={p.value} label={p.label} description={p.help} />
                  ))}
                </Stack>
              </Radio.Group>
              {problem === "invitation" && (
                <TextInput
                  label="The Business ID you were given"
                  description="The owner's Business ID, as they sent it; the hub tells you whose it is."
                  value={ownerId}
                  onChange={(e) => setOwnerId(e.currentTarget.value)}
                  required
                  inputMode="numeric"
                  w={{ base: "100%", sm: 320 }}
                />
              )}
              {needsPrincipal && (
                <Group align="flex-start" wrap="wrap">
                  <Select label="Who" placeholder="Pick a person or system user" data={people.data ?? []} value={principal} onChange={setPrincipal} searchable clearable w={{ base: "100%", sm: 280 }} />
                  <TextInput label="Or their ID" description="For someone from another business." value={principalId} onChange={(e) => setPrincipalId(e.currentTarget.value)} w={{ base: "100%", sm: 240 }} />
                </Group>
              )}
              {needsAsset && (
                <Select
                  label={problem === "spend_spike" ? "Ad account" : "Asset"}
                  placeholder="Pick an asset"
                  data={assets}
                  value={asset}
                  onChange={setAsset}
                  searchable
                  w={{ base: "100%", sm: 360 }}
                />
              )}
              {problem === "missing_asset" && <Select label="What they try to do" data={ACTIONS} value={action} onChange={setAction} allowDeselect={false} w={{ base: "100%", sm: 280 }} />}
              {problem === "spend_spike" && <TextInput label="Since" type="date" value={since} onChange={(e) => setSince(e.currentTarget.value)} required w={{ base: "100%", sm: 200 }} />}
              <Group>
                <Button type="submit" disabled={!ready} loading={ask.isPending}>
                  Diagnose
                </Button>
              </Group>
              <OperationProgress running={ask.isPending} label="Asking the hub" />
              {ask.error && (
                <Alert color="red" role="alert">
                  {errorMessage(ask.error)}
                </Alert>
              )}
            </Stack>
          </form>
        </Card>
        {ask.data && (
          <Section title="What the hub sees">
            <DiagnosisView d={ask.data} />
          </Section>
        )}
      </Stack>
    </>
  );
}
