import { Alert, Button, Card, Code, Group, Radio, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorMessage, formatTime, graph } from "../api.ts";
import { CopyValue, DataTable, ErrorText, PageTitle, QueryState, StatusBadge, useBusiness, useGraphMutation } from "../components/common.tsx";

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

function Tokens({ user }: { user: SystemUser }) {
  const key = ["system-user-tokens", user.id];
  const tokens = useQuery({ queryKey: key, queryFn: () => graph.all<TokenRow>(`/${user.id}/access_tokens`, { fields: "id,scopes,created_time,expires_time,last_used_time,status" }) });
  const [expiry, setExpiry] = useState("60_days");
  const issue = useGraphMutation(() => graph.post<{ access_token: string; expires_at?: string }>(`/${user.id}/access_tokens`, { set_token_expires_in_60_days: expiry === "60_days" }), { invalidate: [key] });
  const revoke = useGraphMutation((token: string) => graph.delete(`/${user.id}/access_tokens`, { token }), { invalidate: [key] });

  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="wrap">
        <Radio.Group label="Token expiry" value={expiry} onChange={setExpiry}>
          <Group mt={4}>
            <Radio value="60_days" label="60 days" />
            <Radio value="never" label="Never expires" />
          </Group>
        </Radio.Group>
        <Button size="sm" onClick={() => issue.mutate()} loading={issue.isPending}>
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
      <ErrorText error={issue.error ?? revoke.error} />
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
                    <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(t.id)} aria-label={`Revoke the token created ${formatTime(t.created_time)}`}>
                      Revoke
                    </Button>
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
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

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
              <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required error={create.error ? errorMessage(create.error) : undefined} w={{ base: "100%", sm: 280 }} />
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
              <Button type="submit" mt={{ base: 0, sm: 25 }} loading={create.isPending}>
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
                  <Group justify="space-between">
                    <Title order={3} size="h5">
                      {u.name}
                    </Title>
                    <Text size="sm" c="dimmed">
                      {u.role.toLowerCase()} · ID <span className="mono">{u.id}</span>
                    </Text>
                  </Group>
                  {isAdmin ? <Tokens user={u} /> : <Text size="sm" c="dimmed">Admins manage this system user's tokens.</Text>}
                </Stack>
              </Card>
            ))}
          </Stack>
        )}
      </QueryState>
    </>
  );
}
