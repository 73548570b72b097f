import { ActionIcon, Button, Checkbox, Group, SegmentedControl, Select, SimpleGrid, Stack, Stepper, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { enumWords, plural } from "../../shared/format.ts";
import { graph, graphStream } from "../../shared/api.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText } from "../../shared/page.tsx";
import { OperationProgress } from "../../shared/OperationProgress.tsx";
import { useSubmitOnce } from "../../shared/mutations.ts";
import { LAUNCH_LIMITS } from "../../../../src/autopilot/app/launch/launchLimits.ts";
import type { LaunchObject, LaunchPlanObjects, LaunchProgress, LaunchReport } from "../../../../src/autopilot/app/launch/launchViews.ts";
import { Notice } from "./AutopilotFrame.tsx";
import type { Workspace } from "./wire.ts";

/** Meta's campaign objectives (ODAX). */
const OBJECTIVES = ["OUTCOME_SALES", "OUTCOME_TRAFFIC", "OUTCOME_LEADS", "OUTCOME_ENGAGEMENT", "OUTCOME_AWARENESS", "OUTCOME_APP_PROMOTION"];
const PLATFORMS = [
  { value: "facebook", label: "Facebook" },
  { value: "instagram", label: "Instagram" },
  { value: "audience_network", label: "Audience Network" },
  { value: "messenger", label: "Messenger" },
];

interface CreativeDraft {
  name: string;
  title: string;
  body: string;
  link: string;
}
interface AudienceDraft {
  name: string;
  ageMin: string;
  ageMax: string;
}
interface PlacementDraft {
  name: string;
  platforms: string[];
}
interface Draft {
  account: string;
  campaignName: string;
  objective: string;
  budget: string;
  countries: string;
  switchOn: boolean;
  creatives: CreativeDraft[];
  headlines: string[];
  audiences: AudienceDraft[];
  placements: PlacementDraft[];
}

type PlanAnswer = LaunchReport & { objects: LaunchPlanObjects };
type Problems = Record<string, string>;

const newCreative = (): CreativeDraft => ({ name: "", title: "", body: "", link: "" });
const newAudience = (): AudienceDraft => ({ name: "", ageMin: "18", ageMax: "65" });
const newPlacement = (): PlacementDraft => ({ name: "Automatic placements", platforms: [] });

/** The ads a draft makes: every creative (× headline) in every audience × placement ad set. */
const adCount = (d: Draft) => d.creatives.length * Math.max(1, d.headlines.filter((h) => h.trim()).length) * d.audiences.length * d.placements.length;

const isUrl = (value: string) => {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

const age = (value: string) => (/^\d+$/.test(value) && Number(value) >= 13 && Number(value) <= 65 ? Number(value) : undefined);

/** What the form says is wrong, by field, before anything is sent (the server checks the same and more). */
function problemsOf(d: Draft): Problems {
  const found: Problems = {};
  if (!d.campaignName.trim()) found.campaignName = "Name the campaign.";
  if (!/^\d+(\.\d{1,2})?$/.test(d.budget.trim()) || Number(d.budget) <= 0) found.budget = "A daily budget, like 20 or 20.50.";
  if (!/^[A-Za-z]{2}(\s*,\s*[A-Za-z]{2})*$/.test(d.countries.trim())) found.countries = "Two-letter country codes, separated by commas: US, CA.";
  d.creatives.forEach((c, i) => {
    if (!c.name.trim()) found[`creative${i}.name`] = "Name the creative.";
    if (c.link.trim() && !isUrl(c.link.trim())) found[`creative${i}.link`] = "A web address starting with https://.";
  });
  d.audiences.forEach((a, i) => {
    if (!a.name.trim()) found[`audience${i}.name`] = "Name the audience.";
    const [min, max] = [age(a.ageMin), age(a.ageMax)];
    if (min === undefined) found[`audience${i}.ageMin`] = "An age from 13 to 65.";
    if (max === undefined) found[`audience${i}.ageMax`] = "An age from 13 to 65.";
    else if (min !== undefined && min > max) found[`audience${i}.ageMax`] = "At least the youngest age.";
  });
  d.placements.forEach((p, i) => {
    if (!p.name.trim()) found[`placement${i}.name`] = "Name the placement.";
  });
  const names = (list: { name: string }[]) => list.map((x) => x.name.trim()).find((n, i, all) => n && all.indexOf(n) !== i);
  const sameAudience = names(d.audiences);
  if (sameAudience) found.audiences = `Two audiences are named "${sameAudience}": their ad sets would have the same name.`;
  const samePlacement = names(d.placements);
  if (samePlacement) found.placements = `Two placements are named "${samePlacement}": their ad sets would have the same name.`;
  const sameCreative = names(d.creatives);
  if (sameCreative) found.creatives = `Two creatives are named "${sameCreative}": their ads would have the same name.`;
  if (adCount(d) > LAUNCH_LIMITS.ads) found.ads = `This makes ${adCount(d)} ads; one launch makes at most ${LAUNCH_LIMITS.ads} (Meta's smallest per-Page limit). Split it.`;
  return found;
}

/** The spec the draft describes, in the shape `grantline autopilot launch` reads from its file. */
function specOf(d: Draft): Record<string, unknown> {
  const headlines = d.headlines.map((h) => h.trim()).filter(Boolean);
  const text = (value: string) => value.trim() || undefined;
  return {
    account: d.account,
    campaign: { name: d.campaignName.trim(), objective: d.objective, status: d.switchOn ? "ACTIVE" : "PAUSED" },
    ad_set: {
      daily_budget: Math.round(Number(d.budget) * 100),
      targeting: { geo_locations: { countries: d.countries.split(",").map((c) => c.trim().toUpperCase()) } },
    },
    audiences: d.audiences.map((a) => ({ name: a.name.trim(), targeting: { age_min: age(a.ageMin), age_max: age(a.ageMax) } })),
    placements: d.placements.map((p) => ({ name: p.name.trim(), targeting: p.platforms.length > 0 ? { publisher_platforms: p.platforms } : {} })),
    creatives: d.creatives.map((c) => ({ name: c.name.trim(), title: text(c.title), body: text(c.body), link_url: text(c.link) })),
    ...(headlines.length > 0 ? { headlines } : {}),
  };
}

const PHASES: Record<LaunchProgress["phase"], string> = {
  reading: "Reading what the account already has",
  validating: "Checking each object with the Graph (validate only)",
  creating: "Creating, paused",
  activating: "Switching on",
  rolling_back: "Rolling back: deleting what this launch created",
};

const TYPE_WORDS: Record<LaunchObject["type"], [string, string]> = { campaign: ["campaign", "campaigns"], creative: ["creative", "creatives"], adset: ["ad set", "ad sets"], ad: ["ad", "ads"] };

function countsText(counts: Record<LaunchObject["type"], number>): string {
  const parts = (Object.keys(TYPE_WORDS) as LaunchObject["type"][]).filter((t) => counts[t] > 0).map((t) => plural(counts[t], ...TYPE_WORDS[t]));
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : (parts[0] ?? "nothing");
}

/** A list of like rows (creatives, audiences…) with add and remove buttons. */
function ListFieldset<T>({ legend, items, max, onChange, fresh, error, children }: { legend: string; items: T[]; max?: number; onChange: (items: T[]) => void; fresh: () => T; error?: string; children: (item: T, index: number, set: (item: T) => void) => ReactNode }) {
  const noun = legend.replace(/s$/, "").toLowerCase();
  return (
    <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
      <legend>
        <Text fw={600}>{legend}</Text>
      </legend>
      <Stack gap="sm" mt={4}>
        {items.map((item, index) => (
          <Group key={index} align="flex-start" wrap="nowrap" gap="xs">
            <div style={{ flex: 1, minWidth: 0 }}>{children(item, index, (next) => onChange(items.map((x, i) => (i === index ? next : x))))}</div>
            {items.length > 1 && (
              <ActionIcon variant="default" mt={28} aria-label={`Remove ${noun} ${index + 1}`} onClick={() => onChange(items.filter((_, i) => i !== index))}>
                ×
              </ActionIcon>
            )}
          </Group>
        ))}
        {error && (
          <Text size="sm" c="red.8" role="alert">
            {error}
          </Text>
        )}
        <Group>
          <Button variant="default" size="xs" onClick={() => onChange([...items, fresh()])} disabled={max !== undefined && items.length >= max}>
            Add {noun}
          </Button>
        </Group>
      </Stack>
    </fieldset>
  );
}

/** Step 1: the spec as a form, or pasted as YAML or JSON. */
function SpecForm({ draft, setDraft, problems, accounts }: { draft: Draft; setDraft: (d: Draft) => void; problems: Problems; accounts: string[] }) {
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const ads = adCount(draft);
  return (
    <Stack>
      {accounts.length > 1 && <Select label="Ad account" data={accounts} value={draft.account} onChange={(v) => v && set("account", v)} allowDeselect={false} w={{ base: "100%", sm: 320 }} />}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Campaign name"
          description={`Up to ${LAUNCH_LIMITS.name} characters; {date} becomes the account's date.`}
          value={draft.campaignName}
          maxLength={LAUNCH_LIMITS.name}
          onChange={(e) => set("campaignName", e.currentTarget.value)}
          error={problems.campaignName}
          required
        />
        <Select label="Objective" data={OBJECTIVES.map((o) => ({ value: o, label: enumWords(o) }))} value={draft.objective} onChange={(v) => v && set("objective", v)} allowDeselect={false} />
        <TextInput label="Daily budget per ad set" description="In the account's currency." inputMode="decimal" value={draft.budget} onChange={(e) => set("budget", e.currentTarget.value)} error={problems.budget} required />
        <TextInput label="Countries" description="Two-letter codes, separated by commas; every ad set targets them." value={draft.countries} onChange={(e) => set("countries", e.currentTarget.value)} error={problems.countries} required />
      </SimpleGrid>
      <Checkbox label="Turn the campaign on once everything is created" description="Otherwise it is created paused, with its ad sets and ads ready." checked={draft.switchOn} onChange={(e) => set("switchOn", e.currentTarget.checked)} />
      <ListFieldset legend="Creatives" items={draft.creatives} onChange={(v) => set("creatives", v)} fresh={newCreative} error={problems.creatives}>
        {(c, i, put) => (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <TextInput label={`Creative ${i + 1} name`} value={c.name} maxLength={LAUNCH_LIMITS.name} onChange={(e) => put({ ...c, name: e.currentTarget.value })} error={problems[`creative${i}.name`]} required />
            <TextInput label={`Creative ${i + 1} title`} description={`Up to ${LAUNCH_LIMITS.title} characters.`} value={c.title} maxLength={LAUNCH_LIMITS.title} onChange={(e) => put({ ...c, title: e.currentTarget.value })} />
            <Textarea label={`Creative ${i + 1} body`} description={`Up to ${LAUNCH_LIMITS.body} characters.`} value={c.body} maxLength={LAUNCH_LIMITS.body} autosize minRows={1} onChange={(e) => put({ ...c, body: e.currentTarget.value })} />
            <TextInput label={`Creative ${i + 1} link`} type="url" value={c.link} onChange={(e) => put({ ...c, link: e.currentTarget.value })} error={problems[`creative${i}.link`]} />
          </SimpleGrid>
        )}
      </ListFieldset>
      <ListFieldset legend="Headlines" items={draft.headlines} onChange={(v) => set("headlines", v)} fresh={() => ""}>
        {(h, i, put) => (
          <TextInput
            label={`Headline ${i + 1}`}
            description={i === 0 ? `Optional: each creative is made once per headline (its title). Up to ${LAUNCH_LIMITS.title} characters.` : undefined}
            value={h}
            maxLength={LAUNCH_LIMITS.title}
            onChange={(e) => put(e.currentTarget.value)}
          />
        )}
      </ListFieldset>
      <ListFieldset legend="Audiences" items={draft.audiences} onChange={(v) => set("audiences", v)} fresh={newAudience} error={problems.audiences}>
        {(a, i, put) => (
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
            <TextInput label={`Audience ${i + 1} name`} value={a.name} maxLength={LAUNCH_LIMITS.name} onChange={(e) => put({ ...a, name: e.currentTarget.value })} error={problems[`audience${i}.name`]} required />
            <TextInput label={`Audience ${i + 1} youngest age`} inputMode="numeric" value={a.ageMin} onChange={(e) => put({ ...a, ageMin: e.currentTarget.value })} error={problems[`audience${i}.ageMin`]} />
            <TextInput label={`Audience ${i + 1} oldest age`} inputMode="numeric" value={a.ageMax} onChange={(e) => put({ ...a, ageMax: e.currentTarget.value })} error={problems[`audience${i}.ageMax`]} />
          </SimpleGrid>
        )}
      </ListFieldset>
      <ListFieldset legend="Placements" items={draft.placements} onChange={(v) => set("placements", v)} fresh={() => ({ name: "", platforms: [] })} error={problems.placements}>
        {(p, i, put) => (
          <Stack gap={4}>
            <TextInput label={`Placement ${i + 1} name`} value={p.name} maxLength={LAUNCH_LIMITS.name} onChange={(e) => put({ ...p, name: e.currentTarget.value })} error={problems[`placement${i}.name`]} required />
            <Checkbox.Group label={`Placement ${i + 1} platforms`} description="None ticked: automatic placements." value={p.platforms} onChange={(platforms) => put({ ...p, platforms })}>
              <Group gap="md" mt={4}>
                {PLATFORMS.map((platform) => (
                  <Checkbox key={platform.value} value={platform.value} label={platform.label} />
                ))}
              </Group>
            </Checkbox.Group>
          </Stack>
        )}
      </ListFieldset>
      <Text size="sm" c={problems.ads ? "red.8" : undefined} data-testid="launch-ad-count" role={problems.ads ? "alert" : undefined}>
        {problems.ads ?? `${plural(ads, "ad")} (${draft.creatives.length} × ${Math.max(1, draft.headlines.filter((h) => h.trim()).length)} × ${draft.audiences.length} × ${draft.placements.length}); one launch makes at most ${LAUNCH_LIMITS.ads}.`}
      </Text>
    </Stack>
  );
}

/** Step 2: what the launch would create and what the account already has. */
function PlanView({ plan }: { plan: PlanAnswer }) {
  const { to_create: make } = plan.plan;
  const nothing = make.campaigns + make.creatives + make.ad_sets + make.ads === 0;
  const state = (id: string | null) => (id ? `exists (${id})` : "new");
  return (
    <Stack>
      <Text data-testid="launch-plan-summary">
        Campaign “{plan.objects.campaign.name}” ({enumWords(plan.objects.campaign.objective)}) in {plan.ad_account_id}: {plural(plan.plan.ad_sets, "ad set")}, {plural(plan.plan.ads, "ad")}, {plural(plan.plan.creatives, "creative")}.
      </Text>
      {nothing ? (
        <Notice color="gray" title="Nothing to create" role="status" data-testid="launch-nothing">
          Everything in this plan already exists in {plan.ad_account_id}; launching it again would change nothing.
        </Notice>
      ) : (
        <Notice color="blue" title="The plan is valid" role="status" data-testid="launch-to-create">
          To create: {countsText({ campaign: make.campaigns, creative: make.creatives, adset: make.ad_sets, ad: make.ads })}. The Graph checked the campaign and creatives with validate only; nothing has been created yet.
          {plan.objects.campaign.id && ` The campaign already exists (${plan.objects.campaign.id}); only what is missing is added.`}
        </Notice>
      )}
      <DataTable
        label="Planned ad sets"
        rows={plan.objects.ad_sets}
        rowKey={(s) => s.name}
        minWidth={520}
        fz="sm"
        columns={[
          { header: "Ad set", cell: (s) => s.name },
          { header: "Audience", cell: (s) => s.audience },
          { header: "Placement", cell: (s) => s.placement },
          { header: "State", cell: (s) => state(s.id) },
        ]}
      />
      <DataTable
        label="Planned ads"
        rows={plan.objects.ads}
        rowKey={(a) => `${a.ad_set}\u0000${a.name}`}
        minWidth={520}
        fz="sm"
        columns={[
          { header: "Ad", cell: (a) => a.name },
          { header: "Ad set", cell: (a) => a.ad_set },
          { header: "State", cell: (a) => state(a.id) },
        ]}
      />
    </Stack>
  );
}

/** Step 3's outcome: what was created, with names and ids, or the failure and its roll-back in the server's words. */
function RunResult({ report, error }: { report: LaunchReport | undefined; error: Error | null }) {
  if (error) {
    const left = /still there:/.test(error.message);
    return (
      <Notice color="red" title={left ? "The launch stopped; some objects could not be deleted" : "The launch stopped; nothing is left behind"} role="alert" data-testid="launch-failed">
        {error.message}
      </Notice>
    );
  }
  if (!report) return null;
  const counts = { campaign: 0, creative: 0, adset: 0, ad: 0 };
  for (const o of report.created) counts[o.type] += 1;
  return (
    <Stack>
      <Notice color={report.created.length > 0 ? "green" : "gray"} title={report.created.length > 0 ? "Launched" : "Nothing to create"} role="status" data-testid="launch-result">
        {report.created.length > 0 ? `Created ${countsText(counts)} in ${report.ad_account_id}.` : `Everything already existed in ${report.ad_account_id}.`}
      </Notice>
      {report.created.length > 0 && (
        <DataTable
          label="Created objects"
          rows={report.created}
          rowKey={(o) => o.id}
          minWidth={480}
          fz="sm"
          columns={[
            { header: "Type", cell: (o) => TYPE_WORDS[o.type][0] },
            { header: "Name", cell: (o) => o.name },
            { header: "ID", cell: (o) => <span className="mono">{o.id}</span> },
          ]}
        />
      )}
    </Stack>
  );
}

/**
 * "Launch ads": a bulk launch from a form (or pasted YAML), its plan shown before anything is
 * created, then the run with the server's progress — the same launch as `grantline autopilot launch`.
 */
export function LaunchWizard({ workspace, onClose }: { workspace: Workspace; onClose: () => void }) {
  const queryClient = useQueryClient();
  const accounts = workspace.connections.filter((c) => c.status === "active").map((c) => (c.ad_account_id.startsWith("act_") ? c.ad_account_id : `act_${c.ad_account_id}`));
  const [step, setStep] = useState(0);
  const [mode, setMode] = useState<"form" | "text">("form");
  const [text, setText] = useState("");
  const [draft, setDraft] = useState<Draft>({ account: accounts[0] ?? "", campaignName: "", objective: "OUTCOME_SALES", budget: "20", countries: "US", switchOn: false, creatives: [newCreative()], headlines: [], audiences: [newAudience()], placements: [newPlacement()] });
  const [problems, setProblems] = useState<Problems>({});
  const [progress, setProgress] = useState<LaunchProgress | null>(null);
  const spec = () => (mode === "form" ? specOf(draft) : text);
  const base = `/autopilot/workspaces/${workspace.id}/launch`;

  const plan = useMutation({
    mutationFn: () => graph.post<PlanAnswer>(`${base}/plan`, { spec: spec() }),
    onSuccess: () => setStep(1),
  });
  const run = useMutation({
    mutationFn: () => {
      setProgress(null);
      setStep(2);
      return graphStream<LaunchProgress, LaunchReport>(base, { spec: spec() }, setProgress, "POST");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["autopilot", workspace.id] }),
  });
  const submitPlan = useSubmitOnce(plan);
  const submitRun = useSubmitOnce(run);
  const checkAndPlan = (event?: FormEvent) => {
    event?.preventDefault();
    const found = mode === "form" ? problemsOf(draft) : text.trim() ? {} : { text: "Paste a launch spec." };
    setProblems(found);
    if (Object.keys(found).length === 0) submitPlan();
  };
  const planAgain = () => {
    run.reset();
    submitPlan();
  };
  const make = plan.data?.plan.to_create;
  const nothing = make ? make.campaigns + make.creatives + make.ad_sets + make.ads === 0 : false;

  return (
    <Stack>
      <Title order={3} size="h4">
        Launch ads
      </Title>
      <Stepper active={step} onStepClick={(s) => !run.isPending && s < step && setStep(s)} size="sm" allowNextStepsSelect={false} wrap>
        <Stepper.Step label="Spec" description="What to launch">
          <form onSubmit={checkAndPlan} aria-label="Launch spec" noValidate>
            <Stack mt="md">
              <SegmentedControl
                value={mode}
                onChange={(v) => setMode(v as "form" | "text")}
                data={[
                  { value: "form", label: "Fill in a form" },
                  { value: "text", label: "Paste YAML or JSON" },
                ]}
                aria-label="How to give the spec"
                w={{ base: "100%", sm: "auto" }}
              />
              {mode === "form" ? (
                <SpecForm draft={draft} setDraft={setDraft} problems={problems} accounts={accounts} />
              ) : (
                <Textarea
                  label="Launch spec"
                  description={`The same YAML or JSON as grantline autopilot launch --spec reads (docs/autopilot.md, Bulk launches). Up to ${LAUNCH_LIMITS.specChars.toLocaleString("en-US")} characters.`}
                  value={text}
                  maxLength={LAUNCH_LIMITS.specChars}
                  onChange={(e) => setText(e.currentTarget.value)}
                  error={problems.text}
                  autosize
                  minRows={8}
                  maxRows={24}
                  styles={{ input: { fontFamily: "ui-monospace, monospace" } }}
                />
              )}
              <ErrorText error={plan.error} />
              <Group>
                <Button type="submit" loading={plan.isPending}>
                  Show the plan
                </Button>
                <Button variant="default" onClick={onClose}>
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        </Stepper.Step>
        <Stepper.Step label="Plan" description="Checked, nothing created">
          <Stack mt="md">
            {plan.data && <PlanView plan={plan.data} />}
            <ErrorText error={plan.error} />
            <Group>
              <Button variant="default" onClick={() => setStep(0)}>
                Back
              </Button>
              <Button onClick={() => submitRun()} disabled={nothing || run.isPending}>
                Launch
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Launch" description="All or nothing">
          <Stack mt="md" aria-live="polite">
            <OperationProgress running={run.isPending} label={progress ? PHASES[progress.phase] : "Starting the launch"} done={progress?.done} total={progress?.total} />
            {!run.isPending && <RunResult report={run.data} error={run.error} />}
            <ErrorText error={plan.error} />
            {!run.isPending && (
              <Group>
                <Button variant="default" onClick={planAgain} loading={plan.isPending}>
                  Plan this spec again
                </Button>
                <Button onClick={onClose}>Done</Button>
              </Group>
            )}
          </Stack>
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}
