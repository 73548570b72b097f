import { Alert, Button, Card, Code, Group, Radio, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage, graph } from "../../shared/api.ts";
import { formatTime } from "../../shared/format.ts";
import { FIELD_LIMITS } from "../../../../src/fieldLimits.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { CopyValue } from "../../shared/CopyValue.tsx";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState } from "../../shared/page.tsx";
import { StatusBadge } from "../../shared/StatusBadge.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";

interface SystemUser {
  id: string;
  name: string;
  role: string;
  created_time?: string;
}

interface TokenRow {
  id: string;
  scopes: string[];
  created_time?: string;
  expires_time?: string;
  last_used_time?: string;
  status: string;
}

function Tokens({ user, businessId }: { user: SystemUser; businessId: string }) {
  const key = ["system-user-tokens", user.id];
  const tokens = useQuery({ queryKey: key, queryFn: () => graph.all<TokenRow>(`/${user.id}/access_tokens`, { fields: "id,scopes,created_time,expires_time,last_used_time,status" }) });
  const [expiry, setExpiry] = useState("60_days");
  const issue = useGraphMutation(() => graph.post<{ access_token: string; expires_at?: string }>(`/${user.id}/access_tokens`, { set_token_expires_in_60_days: expiry === "60_days" }), { invalidate: [key] });
  const generate = useSubmitOnce(issue);

  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="wrap">
        <Radio.Group label="Token expiry" value={expiry} onChange={setExpiry}>
          <Group mt={4}>
            <Radio value="60_days" label="60 days" />
            <Radio value="never" label="Never expires" />
          </Group>
        </Radio.Group>
        <Button size="sm" onClick={() => generate()} loading={issue.isPending} disabled={issue.isPending}>
          Generate token for {user.name}
        </Button>
      </Group>
      {issue.isSuccess && (
        <Alert color="yellow" title="Copy this token now" role="status">
          <Text size="sm" mb="xs">
            It is shown once and stored only as a hash.
          </Text>
          <Group wrap="nowrap" align="flex-start">
            <Code block style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }} data-testid="new-token">
              {issue.data.access_token}
            </Code>
            <CopyValue value={issue.data.access_token} label="token" />
          </Group>
        </Alert>
      )}
      <ErrorText error={issue.error} />
      <QueryState query={tokens} label={`tokens of ${user.name}`} empty="No tokens yet." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <DataTable
            label={`Tokens of ${user.name}`}
            rows={rows}
            rowKey={(t) => t.id}
            columns={[
              { header: "Created", cell: (t) => formatTime(t.created_time) },
              { header: "Expires", cell: (t) => (t.expires_time ? formatTime(t.expires_time) : "Never") },
              { header: "Last used", cell: (t) => (t.last_used_time ? formatTime(t.last_used_time) : "Not used yet") },
              { header: "Scopes", cell: (t) => <Text size="xs">{t.scopes.join(", ")}</Text> },
              { header: "Status", cell: (t) => <StatusBadge status={t.status} /> },
              {
                header: "Actions",
                cell: (t) =>
                  t.status === "ACTIVE" && (
                    <ConfirmAction
                      kind="token"
                      label="Revoke"
                      ariaLabel={`Revoke the token created ${formatTime(t.created_time)}`}
                      title={`Revoke this token of ${user.name}?`}
                      impact={{ node: businessId, params: { change: "token", user: user.id, token: t.id } }}
                      confirmLabel="Revoke the token"
                      onConfirm={() => graph.delete(`/${user.id}/access_tokens`, { token: t.id })}
                      invalidate={[key]}
                    />
                  ),
              },
            ]}
          />
        )}
      </QueryState>
    </Stack>
  );
}

export function SystemUsersPage() {
  const { businessId, isAdmin } = useBusiness();
  const users = useQuery({ queryKey: ["system-users", businessId], queryFn: () => graph.all<SystemUser>(`/${businessId}/system_users`, { fields: "id,name,role,created_time" }) });
  const [name, setName] = useState("");
  const [role, setRole] = useState<string | null>("EMPLOYEE");
  const create = useGraphMutation(() => graph.post<{ id: string }>(`/${businessId}/system_users`, { name, role: role ?? "EMPLOYEE" }), {
    invalidate: [["system-users", businessId]],
    onSuccess: () => setName(""),
  });
  const submit = useSubmitOnce(create);

  return (
    <>
      <PageTitle description="Accounts for servers and tools that call the API. Their tokens are listed with expiry and last use.">System users</PageTitle>
      {isAdmin && (
        <Card withBorder mb="lg">
          <form onSubmit={submit} aria-labelledby="create-system-user">
            <Title order={3} size="h5" id="create-system-user" mb="sm">
              Add a system user
            </Title>
            <Group align="flex-start" wrap="wrap">
              <TextInput
                label="Name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                required
                maxLength={FIELD_LIMITS.name}
                description={`${name.length} of ${FIELD_LIMITS.name} characters`}
                error={create.error ? errorMessage(create.error) : undefined}
                w={{ base: "100%", sm: 280 }}
              />
              <Select
                label="Role"
                data={[
                  { value: "EMPLOYEE", label: "Employee" },
                  { value: "ADMIN", label: "Admin" },
                ]}
                value={role}
                onChange={setRole}
                allowDeselect={false}
                w={{ base: "100%", sm: 180 }}
              />
              <Button type="submit" mt={{ base: 0, sm: 25 }} loading={create.isPending} disabled={create.isPending}>
                Add system user
              </Button>
            </Group>
          </form>
        </Card>
      )}
      <QueryState query={users} label="system users" empty="This business has no system users." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <Stack>
            {rows.map((u) => (
              <Card withBorder key={u.id}>
                <Stack gap="xs">
                  <Group justify="space-between" wrap="wrap">
                    <Title order={3} size="h5" style={{ overflowWrap: "anywhere", minWidth: 0 }}>
                      {u.name}
                    </Title>
                    <Group gap="xs">
                      <Text size="sm" c="dimmed">
                        {u.role === "ADMIN" ? "Admin" : "Employee"} · ID <span className="mono">{u.id}</span>
                      </Text>
                      {isAdmin && (
                        <ConfirmAction
                          kind="system_user"
                          label="Delete"
                          ariaLabel={`Delete ${u.name}`}
                          title={`Delete the system user ${u.name}?`}
                          impact={{ node: businessId, params: { change: "system_user", user: u.id } }}
                          confirmLabel={`Delete ${u.name}`}
                          onConfirm={() => graph.post(`/${businessId}/system_user_removals`, { system_user: u.id })}
                          invalidate={[["system-users", businessId]]}
                        />
                      )}
                    </Group>
                  </Group>
                  {isAdmin ? <Tokens user={u} businessId={businessId} /> : <Text size="sm" c="dimmed">Admins manage this system user's tokens.</Text>}
                </Stack>
              </Card>
            ))}
          </Stack>
        )}
      </QueryState>
    </>
  );
}
