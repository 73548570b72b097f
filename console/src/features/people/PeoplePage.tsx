import { Alert, Badge, Button, Card, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { enumWords, formatTime } from "../../shared/format.ts";
import { errorMessage, graph } from "../../shared/api.ts";
import { FIELD_LIMITS } from "../../../../src/fieldLimits.ts";
import { ConfirmAction } from "../../shared/ConfirmAction.tsx";
import { BUSINESS_ROLE_OPTIONS, roleParts } from "./roles.ts";
import { DataTable } from "../../shared/DataTable.tsx";
import { ErrorText, PageTitle, QueryState } from "../../shared/page.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation, useSubmitOnce } from "../../shared/mutations.ts";

const ROLES = BUSINESS_ROLE_OPTIONS;

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
  status?: "PENDING" | "EXPIRED";
  expiration_time?: string;
}

interface InviteResult {
  id: string;
  status?: string;
  mail_sent?: boolean;
  mail_error?: string;
}

export function PeoplePage() {
  const { businessId, isAdmin } = useBusiness();
  const members = useQuery({ queryKey: ["members", businessId], queryFn: () => graph.all<Member>(`/${businessId}/business_users`, { fields: "id,name,email,role" }) });
  const pending = useQuery({
    queryKey: ["pending-users", businessId],
    queryFn: () => graph.all<Invitation>(`/${businessId}/pending_users`, { fields: "id,email,role,status,expiration_time" }),
    enabled: isAdmin,
  });
  const invalidate = [["members", businessId], ["pending-users", businessId]];

  const [email, setEmail] = useState("");
  const [role, setRole] = useState<string | null>("EMPLOYEE");
  const invite = useGraphMutation(() => graph.post<InviteResult>(`/${businessId}/business_users`, { email, role: role ?? "EMPLOYEE" }), {
    invalidate,
    onSuccess: () => setEmail(""),
  });
  const changeRole = useGraphMutation((input: { user: string; role: string }) => graph.post(`/${businessId}/business_users`, input), { invalidate });
  const submit = useSubmitOnce(invite);
  const resend = useGraphMutation((invitation: Invitation) => graph.post<InviteResult>(`/${businessId}/pending_users`, { invitation: invitation.id }), { invalidate });

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
              {/* The field shows the role's name, which fits a phone; the list and the line under it say what it may do. */}
              <Select
                label="Role"
                data={ROLES.map((r) => ({ value: r.value, label: roleParts(r.value).name }))}
                renderOption={({ option }) => `${option.label} — ${roleParts(option.value).does}`}
                description={role ? `${roleParts(role).name}: ${roleParts(role).does}` : undefined}
                value={role}
                onChange={setRole}
                allowDeselect={false}
                w={{ base: "100%", sm: 320 }}
              />
              <Button type="submit" mt={{ base: 0, sm: 25 }} loading={invite.isPending} disabled={invite.isPending}>
                Send invitation
              </Button>
            </Group>
            {invite.isSuccess && <InviteOutcome result={invite.data} />}
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
                  {
                    header: "Link",
                    cell: (i) =>
                      i.status === "EXPIRED" ? (
                        <Badge color="red" variant="light">
                          Expired {formatTime(i.expiration_time)}
                        </Badge>
                      ) : (
                        `Works until ${formatTime(i.expiration_time)}`
                      ),
                  },
                  {
                    header: "Actions",
                    cell: (i) => (
                      <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Resend the invitation to ${i.email}`}
                        loading={resend.isPending && resend.variables?.id === i.id}
                        disabled={resend.isPending}
                        onClick={() => resend.mutate(i)}
                      >
                        Resend
                      </Button>
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
                      </Group>
                    ),
                  },
                ]}
              />
            )}
          </QueryState>
          {resend.isSuccess && resend.variables && <InviteOutcome result={resend.data} resentTo={resend.variables.email} />}
          <ErrorText error={resend.error} />
        </Stack>
      )}
    </>
  );
}

/** What became of an invitation: added at once, mailed, or saved without its mail (to be sent again). */
function InviteOutcome({ result, resentTo }: { result: InviteResult; resentTo?: string }) {
  if (result.mail_sent === false) {
    return (
      <Alert color="orange" role="alert" mt="xs" title="The invitation mail was not sent">
        {result.mail_error ?? "The mail server did not take the mail."} The invitation is saved: use Resend below once mail works.
      </Alert>
    );
  }
  return (
    <Text size="sm" mt="xs" role="status">
      {resentTo ? `Invitation sent again to ${resentTo}. The link in the earlier mail no longer works.` : result.status === "PENDING" ? "Invitation sent. The link in the mail works once." : "Added to the business."}
    </Text>
  );
}
