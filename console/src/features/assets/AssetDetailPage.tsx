import { Alert, Anchor, Badge, Button, Card, Center, Group, List, Loader, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useRef, useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import type { AssetType, Capability, PermissionLevel } from "../../shared/wire.ts";
import { assetTypeLabel } from "../../shared/assetTypes.ts";
import { enumWords, formatTime } from "../../shared/format.ts";
import { errorMessage, graph, GraphError } from "../../shared/api.ts";
import { FIELD_LIMITS } from "../../../../src/fieldLimits.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState, Section } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";
import { ConnectedAppsTable, type AppConnection } from "../../shared/ConnectedApps.tsx";
import { AccountGuardrails } from "../partners/LazyGuardrails.tsx";
import { useStaffable } from "./queries.ts";
import { taskNames } from "../../../../src/hub/catalogue/taskNames.ts";

const InsightsChart = lazy(() => import("./InsightsChart.tsx"));

interface AssetNode {
  id: string;
  name?: string;
  username?: string;
  business?: { id: string; name: string };
  owner_business?: { id: string; name: string };
  currency?: string;
  timezone_name?: string;
}

interface AccessRow {
  id: string;
  name: string;
  user_type: string;
  tasks: string[];
  paths: { kind: string; business: { id: string; name?: string }; tasks: string[]; via: string }[];
}

interface AgencyRow {
  id: string;
  name: string;
  access_status: string;
  access_level: string;
  permitted_tasks: string[];
  expiration_time?: string;
}

interface Assigned {
  id: string;
  name: string;
  user_type: string;
  tasks: string[];
  permitted_tasks: string[];
}

interface Campaign {
  id: string;
  name: string;
  objective: string;
  status: string;
}

const OBJECTIVES = ["OUTCOME_SALES", "OUTCOME_TRAFFIC", "OUTCOME_LEADS", "OUTCOME_AWARENESS", "OUTCOME_ENGAGEMENT", "OUTCOME_APP_PROMOTION"];

function WhoCanAccess({ graphId, type }: { graphId: string; type: AssetType }) {
  const rows = useQuery({ queryKey: ["access-paths", graphId], queryFn: () => graph.all<AccessRow>(`/${graphId}/access_paths`) });
  return (
    <Section title="Who can access this and how">
      <QueryState query={rows} label="access" empty="Nobody reaches this asset." isEmpty={(d) => d.length === 0}>
        {(data) => (
          <DataTable
            label="Who can access this and how"
            rows={data}
            rowKey={(r) => r.id}
            columns={[
              {
                header: "Who",
                cell: (r) => (
                  <>
                    {r.name}
                    <Text size="xs" c="dimmed">
                      {r.user_type === "SYSTEM_USER" ? "System user" : "Person"}
                    </Text>
                  </>
                ),
              },
              { header: "Permissions", cell: (r) => <Text size="sm">{taskNames(type, r.tasks)}</Text> },
              {
                header: "How",
                cell: (r) => (
                  <List size="sm">
                    {r.paths.map((p, i) => (
                      <List.Item key={i}>{p.via}</List.Item>
                    ))}
                  </List>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </Section>
  );
}

/** Apps people connected to this asset at consent: part of who can reach it, and how. */
function ConnectedAppsOfAsset({ graphId }: { graphId: string }) {
  const rows = useQuery({ queryKey: ["asset-connected-apps", graphId], queryFn: () => graph.all<AppConnection>(`/${graphId}/connected_apps`) });
  return (
    <Section title="Connected apps">
      <QueryState query={rows} label="connected apps of this asset" empty="No app is connected to this asset." isEmpty={(d) => d.length === 0}>
        {(data) => <ConnectedAppsTable label="Apps connected to this asset" rows={data} />}
      </QueryState>
    </Section>
  );
}

function Partners({ graphId }: { graphId: string }) {
  const rows = useQuery({ queryKey: ["asset-agencies", graphId], queryFn: () => graph.all<AgencyRow>(`/${graphId}/agencies`, { fields: "id,name,access_status,access_level,permitted_tasks,expiration_time" }) });
  return (
    <Section title="Partners">
      <QueryState query={rows} label="partners of this asset" empty="Not shared with any partner." isEmpty={(d) => d.length === 0}>
        {(data) => (
          <DataTable
            label="Partners of this asset"
            rows={data}
            rowKey={(a) => a.id}
            columns={[
              { header: "Business", cell: (a) => a.name },
              { header: "Status", cell: (a) => enumWords(a.access_status) },
              { header: "Permission", cell: (a) => a.access_level },
              { header: "Expires or ends", cell: (a) => (a.expiration_time ? formatTime(a.expiration_time) : "—") },
            ]}
          />
        )}
      </QueryState>
    </Section>
  );
}

/** The people and system users of this business staffed on the asset, and staffing more (admins). */
function Staff({ graphId, type, businessId, isAdmin, assetName, canList }: { graphId: string; type: AssetType; businessId: string; isAdmin: boolean; assetName: string; canList: boolean }) {
  const key = ["assigned-users", graphId, businessId];
  const assigned = useQuery({
    queryKey: key,
    queryFn: () => graph.all<Assigned>(`/${graphId}/assigned_users`, { business: businessId, fields: "id,name,user_type,tasks,permitted_tasks" }),
    enabled: canList,
  });
  const people = useStaffable(businessId, isAdmin);
  // Only the levels within what this business was given: an assignment never reaches past the share.
  const levels = useQuery({ queryKey: ["permission-levels", graphId, businessId], queryFn: () => graph.all<PermissionLevel>(`/${graphId}/permission_levels`, { business: businessId }), staleTime: Infinity });
  const [person, setPerson] = useState<string | null>(null);
  const [choice, setLevel] = useState<string | null>(null);
  const level = choice ?? (levels.data?.some((l) => l.level === "VIEW_ONLY") ? "VIEW_ONLY" : (levels.data?.[0]?.level ?? null));
  const selected = levels.data?.find((l) => l.level === level);
  const [assigned_, setAssigned] = useState<string | null>(null);
  const assign = useGraphMutation(() => graph.post(`/${graphId}/assigned_users`, { user: person ?? "", tasks: selected?.tasks ?? [], business: businessId }), {
    // What an assignment changes on this page: the list, and (when it is one's own) what one may open and do.
    invalidate: [key, ["asset", graphId], ["capabilities", graphId], ["access-paths", graphId]],
    onSuccess: () => {
      const who = people.data?.find((p) => p.value === person)?.label ?? "The person";
      setAssigned(`${who} is assigned to ${assetName} with ${selected?.label ?? "the chosen level"}.`);
      setPerson(null);
    },
  });
  const submit = useSubmitOnce(assign);
  // A level's name where the tasks are exactly one level's, the tasks otherwise.
  const levelName = (tasks: string[]) => levels.data?.find((l) => l.tasks.length === tasks.length && l.tasks.every((t) => tasks.includes(t)))?.label ?? taskNames(type, tasks);

  return (
    <section aria-labelledby="staff-heading">
      <Title order={3} size="h4" id="staff-heading" mb="xs">
        Your people on this asset
      </Title>
      {!canList && (
        <Text size="sm" c="dimmed">
          Assign yourself or your people to start working on it.
        </Text>
      )}
      {canList && <QueryState query={assigned} label="assigned people" empty="Nobody from your business is assigned." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <DataTable
            label="Your people on this asset"
            rows={rows}
            rowKey={(r) => r.id}
            columns={[
              { header: "Name", cell: (r) => r.name },
              { header: "Assigned", cell: (r) => levelName(r.tasks) },
              { header: "Can do now", cell: (r) => (r.permitted_tasks.length ? levelName(r.permitted_tasks) : "nothing") },
              {
                header: "Actions",
                hidden: !isAdmin,
                cell: (r) => (
                  <ConfirmAction
                    kind="assignment"
                    label="Unassign"
                    ariaLabel={`Unassign ${r.name}`}
                    title={`Unassign ${r.name} from ${assetName}?`}
                    impact={{ node: businessId, params: { change: "assignment", asset: graphId, user: r.id } }}
                    confirmLabel={`Unassign ${r.name}`}
                    onConfirm={() => graph.delete(`/${graphId}/assigned_users`, { user: r.id, business: businessId })}
                  />
                ),
              },
            ]}
          />
        )}
      </QueryState>}
      {isAdmin && (
        <form onSubmit={submit} aria-label={`Assign people to ${assetName}`}>
          <Group align="flex-end" mt="sm" wrap="wrap">
            <Select label="Person or system user" data={people.data ?? []} value={person} onChange={setPerson} searchable w={{ base: "100%", sm: 260 }} />
            <Select
              label="Permission"
              data={(levels.data ?? []).map((l) => ({ value: l.level, label: l.label }))}
              value={level}
              onChange={setLevel}
              allowDeselect={false}
              w={{ base: "100%", sm: 200 }}
            />
            <Button type="submit" disabled={!person || assign.isPending} loading={assign.isPending}>
              Assign
            </Button>
          </Group>
          {selected && (
            <Text size="xs" c="dimmed" mt={4}>
              {selected.description}. Never more than the owner shared with your business.
            </Text>
          )}
          {assigned_ && !assign.isPending && (
            <Text size="sm" mt={4} role="status" data-testid="assign-result">
              {assigned_}
            </Text>
          )}
          <ErrorText error={assign.error} />
        </form>
      )}
    </section>
  );
}

function Campaigns({ graphId, canCreate, createReason }: { graphId: string; canCreate: boolean; createReason: string | undefined }) {
  const campaigns = useQuery({ queryKey: ["campaigns", graphId], queryFn: () => graph.all<Campaign>(`/${graphId}/campaigns`, { fields: "id,name,objective,status" }) });
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [objective, setObjective] = useState<string | null>("OUTCOME_SALES");
  const create = useGraphMutation(() => graph.post<{ id: string }>(`/${graphId}/campaigns`, { name, objective: objective ?? "OUTCOME_SALES", status: "PAUSED", special_ad_categories: [] }), {
    invalidate: [["campaigns", graphId]],
    onSuccess: () => {
      setName("");
      setOpen(false);
    },
  });
  const submit = useSubmitOnce(create);
  return (
    <section aria-labelledby="campaigns-heading">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="campaigns-heading">
          Campaigns
        </Title>
        {canCreate && !open && <Button onClick={() => setOpen(true)}>Create campaign</Button>}
      </Group>
      {!canCreate && createReason && (
        <Text size="sm" c="dimmed" mb="xs" data-testid="create-campaign-denied">
          You cannot create campaigns here: {createReason}
        </Text>
      )}
      {open && (
        <Card withBorder mb="sm">
          <form onSubmit={submit} aria-label="New campaign">
            <Group align="flex-start" wrap="wrap">
              <TextInput
                label="Campaign name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                required
                maxLength={FIELD_LIMITS.adObjectName}
                description={`Up to ${FIELD_LIMITS.adObjectName} characters`}
                error={create.error ? errorMessage(create.error) : undefined}
                w={{ base: "100%", sm: 260 }}
              />
              <Select label="Objective" data={OBJECTIVES.map((o) => ({ value: o, label: enumWords(o) }))} value={objective} onChange={setObjective} allowDeselect={false} w={{ base: "100%", sm: 200 }} />
              <Group mt={{ base: 0, sm: 25 }}>
                <Button type="submit" loading={create.isPending} disabled={create.isPending}>
                  Create
                </Button>
                <Button variant="default" onClick={() => setOpen(false)}>
                  Cancel
                </Button>
              </Group>
            </Group>
          </form>
        </Card>
      )}
      <QueryState query={campaigns} label="campaigns" empty="No campaigns yet." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <DataTable
            label="Campaigns"
            rows={rows}
            rowKey={(c) => c.id}
            minWidth={420}
            columns={[
              { header: "Name", cell: (c) => c.name },
              { header: "Objective", cell: (c) => enumWords(c.objective) },
              { header: "Status", cell: (c) => enumWords(c.status) },
            ]}
          />
        )}
      </QueryState>
    </section>
  );
}

/** One asset: what you may do on it (from the access engine), who can access it and how, partners, staff, and for ad accounts campaigns and delivery. */
/** The fields the page shows, in each asset type's own Graph field names (the Graph refuses names a type does not have). */
const ASSET_FIELDS: Partial<Record<AssetType, string>> = {
  ad_account: "id,name,business,currency,timezone_name",
  page: "id,name,business",
  pixel: "id,name,owner_business",
  instagram_account: "id,username,owner_business",
  product_catalog: "id,name,business",
  creative_hub_project: "id,name,owner_business",
};

export function AssetDetailPage() {
  const { businessId, isAdmin } = useBusiness();
  const { assetId = "", assetType = "" } = useParams();
  const location = useLocation();
  const type = assetType as AssetType;
  const asset = useQuery({
    queryKey: ["asset", assetId],
    queryFn: () => graph.get<AssetNode>(`/${assetId}`, { fields: ASSET_FIELDS[type] ?? "id,name" }),
  });
  // A partner's admin not yet staffed on a shared asset may not open it, but may staff people on it.
  // A refetch of a refused asset (after staffing oneself, say) starts again from "pending": the
  // refusal is remembered until an answer comes, so the page (and the form just used) stays mounted.
  const deniedBefore = useRef(false);
  if (asset.isError) deniedBefore.current = asset.error instanceof GraphError && asset.error.isPermissionDenied;
  else if (asset.isSuccess) deniedBefore.current = false;
  const denied = deniedBefore.current && !asset.isSuccess;
  const capabilities = useQuery({ queryKey: ["capabilities", assetId], queryFn: () => graph.all<Capability>(`/${assetId}/capabilities`), enabled: asset.isSuccess || denied });
  const can = (action: string) => capabilities.data?.find((c) => c.action === action);
  const owner = asset.data?.business ?? asset.data?.owner_business;
  const name = asset.data?.name ?? asset.data?.username ?? (location.state as { name?: string } | null)?.name ?? assetId;
  const weOwn = owner?.id === businessId;

  return (
    <>
      <Anchor component={Link} to={`/b/${businessId}/assets`} size="sm">
        ← Assets
      </Anchor>
      {asset.isPending && !denied && (
        <Center py="lg">
          <Loader size="sm" role="status" aria-label="Loading asset" />
        </Center>
      )}
      {asset.isError && !denied && (
        <Alert color="red" title="Could not open this asset" role="alert" mt="md">
          {errorMessage(asset.error)}
        </Alert>
      )}
      {(asset.isSuccess || denied) && (
        <>
          <PageTitle description={`${assetTypeLabel(type)} · ID ${assetId}${owner ? ` · owned by ${owner.name}` : ""}`}>{name}</PageTitle>
          <Stack gap="xl">
            {denied && (
              <Alert color="yellow" title="You cannot open this asset yet" role="status">
                {asset.error ? errorMessage(asset.error) : "Checking your access again…"}
              </Alert>
            )}
            <section aria-labelledby="can-heading">
              <Title order={3} size="h4" id="can-heading" mb="xs">
                What you can do here
              </Title>
              <QueryState query={capabilities} label="your permissions">
                {(rows) => (
                  <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xs">
                    {rows.map((c) => (
                      <Group key={c.action} gap="xs" wrap="nowrap" align="flex-start">
                        <Badge color={c.allowed ? "green" : "gray"} variant="light" autoContrast w={70}>
                          {c.allowed ? "Yes" : "No"}
                        </Badge>
                        <Text size="sm" title={c.reason}>
                          {c.label.charAt(0).toUpperCase() + c.label.slice(1)}
                        </Text>
                      </Group>
                    ))}
                  </SimpleGrid>
                )}
              </QueryState>
            </section>
            {asset.isSuccess && type === "ad_account" && can("read_insights")?.allowed && (
              <Suspense fallback={<Text c="dimmed">Loading chart…</Text>}>
                <InsightsChart graphId={assetId} />
              </Suspense>
            )}
            {asset.isSuccess && type === "ad_account" && can("view_asset")?.allowed && (
              <Campaigns graphId={assetId} canCreate={can("create_campaign")?.allowed === true} createReason={can("create_campaign")?.reason} />
            )}
            {weOwn && can("manage_access")?.allowed && <WhoCanAccess graphId={assetId} type={type} />}
            {weOwn && isAdmin && <ConnectedAppsOfAsset graphId={assetId} />}
            {asset.isSuccess && <Partners graphId={assetId} />}
            {asset.isSuccess && type === "ad_account" && <AccountGuardrails accountGraphId={assetId} accountName={name} businessId={businessId} weOwn={weOwn} isAdmin={isAdmin} />}
            <Staff type={type} graphId={assetId} businessId={businessId} isAdmin={isAdmin} assetName={name} canList={asset.isSuccess || (denied && isAdmin)} />
            {asset.isSuccess && !weOwn && (
              <Alert color="gray" title="Shared with you">
                {owner?.name ?? "The owner"} controls how far your business may go with this asset. Your people never get more than that.
              </Alert>
            )}
          </Stack>
        </>
      )}
    </>
  );
}
