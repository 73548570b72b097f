import { Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorMessage, formatTime, graph } from "../api.ts";
import { ErrorText, PageTitle, QueryState, useBusiness } from "../components/common.tsx";

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
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: ["members", businessId], queryFn: () => graph.all<Member>(`/${businessId}/business_users`, { fields: "id,name,email,role" }) });
  const pending = useQuery({
    queryKey: ["pending-users", businessId],
    queryFn: () => graph.all<Invitation>(`/${businessId}/pending_users`, { fields: "id,email,role,expiration_time" }),
    enabled: isAdmin,
  });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ["members", businessId] }), queryClient.invalidateQueries({ queryKey: ["pending-users", businessId] })]);

  const [email, setEmail] = useState("");
  const [role, setRole] = useState<string | null>("EMPLOYEE");
  const invite = useMutation({
    mutationFn: () => graph.post<{ id: string; status?: string }>(`/${businessId}/business_users`, { email, role: role ?? "EMPLOYEE" }),
    onSuccess: () => {
      setEmail("");
      void refresh();
    },
  });
  const changeRole = useMutation({ mutationFn: (input: { user: string; role: string }) => graph.post(`/${businessId}/business_users`, input), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (user: string) => graph.delete(`/${businessId}/business_users`, { user }), onSuccess: refresh });
  const cancelInvite = useMutation({ mutationFn: (invitation: string) => graph.delete(`/${businessId}/pending_users`, { invitation }), onSuccess: refresh });

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
          <div className="table-scroll" tabIndex={0}>
            <Table striped highlightOnHover aria-label="People">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Role</Table.Th>
                  {isAdmin && <Table.Th>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>{m.name}</Table.Td>
                    <Table.Td>{m.email}</Table.Td>
                    <Table.Td>
                      {isAdmin ? (
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
                      )}
                    </Table.Td>
                    {isAdmin && (
                      <Table.Td>
                        <Button variant="subtle" color="red" size="xs" onClick={() => remove.mutate(m.id)} aria-label={`Remove ${m.name}`}>
                          Remove
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
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
              <div className="table-scroll" tabIndex={0}>
                <Table aria-label="Invitations waiting">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Email</Table.Th>
                      <Table.Th>Role</Table.Th>
                      <Table.Th>Expires</Table.Th>
                      <Table.Th>Actions</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((i) => (
                      <Table.Tr key={i.id}>
                        <Table.Td>{i.email}</Table.Td>
                        <Table.Td>{i.role.replaceAll("_", " ").toLowerCase()}</Table.Td>
                        <Table.Td>{formatTime(i.expiration_time)}</Table.Td>
                        <Table.Td>
                          <Button variant="subtle" size="xs" onClick={() => cancelInvite.mutate(i.id)} aria-label={`Cancel the invitation to ${i.email}`}>
                            Cancel
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            )}
          </QueryState>
        </Stack>
      )}
    </>
  );
}
