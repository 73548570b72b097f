import { Button, Card, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorMessage, formatTime, graph } from "../api.ts";
import { DataTable, ErrorText, PageTitle, QueryState, useBusiness, useGraphMutation } from "../components/common.tsx";

const ROLES = [
  { value: "ADMIN", label: "Admin — full control of the business" },
  { value: "EMPLOYEE", label: "Employee — works on assets they are given" },
  { value: "FINANCE_EDITOR", label: "Finance editor — payment methods and invoices" },
  { value: "FINANCE_ANALYST", label: "Finance analyst — sees financial details" },
  { value: "DEVELOPER", label: "Developer — apps and integrations" },
];

interface Member {
  id: string;
  name: string;
  email: string;
  role: string;
}

interface Invitation {
  id: string;
  email: string;
  role: string;
  expiration_time?: string;
}

export function PeoplePage() {
  const { businessId, isAdmin } = useBusiness();
  const members = useQuery({ queryKey: ["members", businessId], queryFn: () => graph.all<Member>(`/${businessId}/business_users`, { fields: "id,name,email,role" }) });
  const pending = useQuery({
    queryKey: ["pending-users", businessId],
    queryFn: () => graph.all<Invitation>(`/${businessId}/pending_users`, { fields: "id,email,role,expiration_time" }),
    enabled: isAdmin,
  });
  const invalidate = [["members", businessId], ["pending-users", businessId]];

  const [email, setEmail] = useState("");
  const [role, setRole] = useState<string | null>("EMPLOYEE");
  const invite = useGraphMutation(() => graph.post<{ id: string; status?: string }>(`/${businessId}/business_users`, { email, role: role ?? "EMPLOYEE" }), {
    invalidate,
    onSuccess: () => setEmail(""),
  });
  const changeRole = useGraphMutation((input: { user: string; role: string }) => graph.post(`/${businessId}/business_users`, input), { invalidate });
  const remove = useGraphMutation((user: string) => graph.delete(`/${businessId}/business_users`, { user }), { invalidate });
  const cancelInvite = useGraphMutation((invitation: string) => graph.delete(`/${businessId}/pending_users`, { invitation }), { invalidate });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };

  return (
    <>
      <PageTitle description="People who work in this business, and their roles.">People</PageTitle>
      {isAdmin && (
        <Card withBorder mb="lg">
          <form onSubmit={submit} aria-labelledby="invite-title">
            <Title order={3} size="h5" id="invite-title" mb="sm">
              Invite a person
            </Title>
            <Group align="flex-start" wrap="wrap">
              <TextInput
                label="Email"
                type="email"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                required
                error={invite.error ? errorMessage(invite.error) : undefined}
                w={{ base: "100%", sm: 280 }}
              />
              <Select label="Role" data={ROLES} value={role} onChange={setRole} allowDeselect={false} w={{ base: "100%", sm: 320 }} />
              <Button type="submit" mt={{ base: 0, sm: 25 }} loading={invite.isPending}>
                Send invitation
              </Button>
            </Group>
            {invite.isSuccess && (
              <Text size="sm" mt="xs" role="status">
                {invite.data.status === "PENDING" ? "Invitation sent." : "Added to the business."}
              </Text>
            )}
          </form>
        </Card>
      )}
      <QueryState query={members} label="people" empty="Nobody is part of this business yet." isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <DataTable
            label="People"
            rows={rows}
            rowKey={(m) => m.id}
            striped
            columns={[
              { header: "Name", cell: (m) => m.name },
              { header: "Email", cell: (m) => m.email },
              {
                header: "Role",
                cell: (m) =>
                  isAdmin ? (
                    <Select
                      aria-label={`Role of ${m.name}`}
                      data={ROLES.map((r) => ({ value: r.value, label: r.value.replaceAll("_", " ").toLowerCase() }))}
                      value={m.role}
                      onChange={(value) => value && value !== m.role && changeRole.mutate({ user: m.id, role: value })}
                      allowDeselect={false}
                      w={180}
                    />
                  ) : (
                    m.role.replaceAll("_", " ").toLowerCase()
                  ),
              },
              {
                header: "Actions",
                hidden: !isAdmin,
                cell: (m) => (
                  <Button variant="subtle" color="red" size="xs" onClick={() => remove.mutate(m.id)} aria-label={`Remove ${m.name}`}>
                    Remove
                  </Button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      <ErrorText error={changeRole.error ?? remove.error ?? cancelInvite.error} />
      {isAdmin && (
        <Stack mt="xl" gap="xs">
          <Title order={3} size="h4">
            Invitations waiting
          </Title>
          <QueryState query={pending} label="invitations" empty="No invitations are waiting." isEmpty={(d) => d.length === 0}>
            {(rows) => (
              <DataTable
                label="Invitations waiting"
                rows={rows}
                rowKey={(i) => i.id}
                columns={[
                  { header: "Email", cell: (i) => i.email },
                  { header: "Role", cell: (i) => i.role.replaceAll("_", " ").toLowerCase() },
                  { header: "Expires", cell: (i) => formatTime(i.expiration_time) },
                  {
                    header: "Actions",
                    cell: (i) => (
                      <Button variant="subtle" size="xs" onClick={() => cancelInvite.mutate(i.id)} aria-label={`Cancel the invitation to ${i.email}`}>
                        Cancel
                      </Button>
                    ),
                  },
                ]}
              />
            )}
          </QueryState>
        </Stack>
      )}
    </>
  );
}
