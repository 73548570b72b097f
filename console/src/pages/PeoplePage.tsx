import { Button, Card, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { enumWords, errorMessage, formatTime, graph } from "../api.ts";
import { FIELD_LIMITS } from "../../../src/fieldLimits.ts";
import { ConfirmAction } from "../components/ConfirmAction.tsx";
import { DataTable, ErrorText, PageTitle, QueryState, useBusiness, useGraphMutation, useSubmitOnce } from "../components/common.tsx";

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
  const submit = useSubmitOnce(invite);

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
                maxLength={FIELD_LIMITS.email}
                description={`Up to ${FIELD_LIMITS.email} characters`}
                error={invite.error ? errorMessage(invite.error) : undefined}
                w={{ base: "100%", sm: 280 }}
              />
              <Select label="Role" data={ROLES} value={role} onChange={setRole} allowDeselect={false} w={{ base: "100%", sm: 320 }} />
              <Button type="submit" mt={{ base: 0, sm: 25 }} loading={invite.isPending} disabled={invite.isPending}>
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
                      data={ROLES.map((r) => ({ value: r.value, label: enumWords(r.value) }))}
                      value={m.role}
                      onChange={(value) => value && value !== m.role && changeRole.mutate({ user: m.id, role: value })}
                      allowDeselect={false}
                      w={180}
                    />
                  ) : (
                    enumWords(m.role)
                  ),
              },
              {
                header: "Actions",
                hidden: !isAdmin,
                cell: (m) => (
                  <ConfirmAction
                    kind="person"
                    label="Remove"
                    ariaLabel={`Remove ${m.name}`}
                    title={`Remove ${m.name} from this business?`}
                    impact={{ node: businessId, params: { change: "member", user: m.id } }}
                    confirmLabel={`Remove ${m.name}`}
                    onConfirm={() => graph.delete(`/${businessId}/business_users`, { user: m.id })}
                    invalidate={invalidate}
                  />
                ),
              },
            ]}
          />
        )}
      </QueryState>
      <ErrorText error={changeRole.error} />
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
                  { header: "Role", cell: (i) => enumWords(i.role) },
                  { header: "Expires", cell: (i) => formatTime(i.expiration_time) },
                  {
                    header: "Actions",
                    cell: (i) => (
                      <ConfirmAction
                        kind="invitation"
                        label="Cancel"
                        ariaLabel={`Cancel the invitation to ${i.email}`}
                        title={`Cancel the invitation to ${i.email}?`}
                        description={`The link in the invitation mail stops working; ${i.email} will not join unless invited again.`}
                        confirmLabel="Cancel the invitation"
                        onConfirm={() => graph.delete(`/${businessId}/pending_users`, { invitation: i.id })}
                        invalidate={invalidate}
                      />
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
