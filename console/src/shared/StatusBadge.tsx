import { Badge } from "@mantine/core";

const STATUS_COLORS: Record<string, string> = { ACTIVE: "green", CONFIRMED: "green", PENDING: "yellow", REVOKED: "gray", EXPIRED: "gray" };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? "gray"} variant="light" autoContrast>
      {status.toLowerCase()}
    </Badge>
  );
}
