import { Badge, Card, Group, SimpleGrid, Stack, Switch, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { Business } from "../../shared/wire.ts";
import { enumWords, formatTime } from "../../shared/format.ts";
import { graph } from "../../shared/api.ts";
import { ErrorText, PageTitle, QueryState } from "../../shared/page.tsx";
import { IdWithCopy } from "../../shared/CopyValue.tsx";
import { useBusiness } from "../../shared/useBusiness.ts";
import { useGraphMutation } from "../../shared/mutations.ts";

export function BusinessInfoPage() {
  const { businessId, isAdmin, role } = useBusiness();
  const query = useQuery({
    queryKey: ["business", businessId],
    queryFn: () => graph.get<Business>(`/${businessId}`, { fields: "id,name,verification_status,two_factor_type,created_time" }),
  });
  const twoFactor = useGraphMutation((required: boolean) => graph.post(`/${businessId}`, { two_factor_type: required ? "admin_required" : "none" }), { invalidate: [["business", businessId]] });

  return (
    <>
      <PageTitle description="Give your Business ID to partners so they can share assets with you.">Business info</PageTitle>
      <QueryState query={query} label="business info">
        {(business) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Stack gap="sm">
                <Text fw={600} size="lg">
                  {business.name}
                </Text>
                <div>
                  <Text size="sm" c="dimmed" id="business-id-label">
                    Business ID
                  </Text>
                  <IdWithCopy value={business.id} label="Business ID" />
                </div>
                <Group gap="xs">
                  <Text size="sm" c="dimmed">
                    Verification
                  </Text>
                  <Badge color={business.verification_status === "verified" ? "green" : "gray"} variant="light" autoContrast>
                    {(business.verification_status ?? "not_verified").replaceAll("_", " ")}
                  </Badge>
                </Group>
                <Text size="sm">
                  <Text span c="dimmed">
                    Your role:{" "}
                  </Text>
                  {role ? enumWords(role) : ""}
                </Text>
                <Text size="sm">
                  <Text span c="dimmed">
                    Created:{" "}
                  </Text>
                  {formatTime(business.created_time)}
                </Text>
              </Stack>
            </Card>
            <Card withBorder>
              <Stack gap="sm">
                <Text fw={600}>Security</Text>
                <Switch
                  label="Require two-factor authentication for everyone"
                  description="Everyone in this business must set up two-factor at their next sign-in before they can use the console."
                  checked={business.two_factor_type !== "none"}
                  disabled={!isAdmin || twoFactor.isPending}
                  onChange={(e) => twoFactor.mutate(e.currentTarget.checked)}
                />
                {!isAdmin && (
                  <Text size="sm" c="dimmed">
                    Only admins of this business can change this.
                  </Text>
                )}
                <ErrorText error={twoFactor.error} />
              </Stack>
            </Card>
          </SimpleGrid>
        )}
      </QueryState>
    </>
  );
}
