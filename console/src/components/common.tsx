import { ActionIcon, Alert, Badge, Center, CopyButton, Group, Loader, Stack, Text, Title, Tooltip } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { useParams } from "react-router";
import { errorMessage } from "../api.ts";
import { useSession } from "../session.tsx";

/** The page's heading; focused on navigation so screen readers announce the new page. */
export function PageTitle({ children, description }: { children: ReactNode; description?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, [children]);
  return (
    <Stack gap={4} mb="md">
      <Title order={2} ref={ref} tabIndex={-1} style={{ outline: "none" }}>
        {children}
      </Title>
      {description && (
        <Text c="dimmed" size="sm">
          {description}
        </Text>
      )}
    </Stack>
  );
}

/** Loading, error and empty states of one query, then its content. */
export function QueryState<T>({
  query,
  label,
  empty,
  isEmpty,
  children,
}: {
  query: UseQueryResult<T>;
  label: string;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) {
    return (
      <Center py="lg">
        <Loader size="sm" role="status" aria-label={`Loading ${label}`} />
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title={`Could not load ${label}`} role="alert">
        {errorMessage(query.error)}
      </Alert>
    );
  }
  if (empty && isEmpty?.(query.data)) {
    return (
      <Text c="dimmed" py="md" data-testid={`empty-${label.replaceAll(" ", "-")}`}>
        {empty}
      </Text>
    );
  }
  return <>{children(query.data)}</>;
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="red" role="alert" mt="sm">
      {errorMessage(error)}
    </Alert>
  );
}

/** The business from the URL and the signed-in person's role in it. */
export function useBusiness(): { businessId: string; role: string | undefined; isAdmin: boolean; name: string | undefined } {
  const { businessId = "" } = useParams();
  const { session } = useSession();
  const mine = session?.businesses.find((b) => b.id === businessId);
  return { businessId, role: mine?.role, isAdmin: mine?.role === "ADMIN", name: mine?.name };
}

export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? "Copied" : `Copy ${label}`} withArrow>
          <ActionIcon variant="default" onClick={copy} aria-label={copied ? `${label} copied` : `Copy ${label}`}>
            <span aria-hidden="true">{copied ? "✓" : "⧉"}</span>
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

export function IdWithCopy({ value, label }: { value: string; label: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Text className="mono" data-testid={label.replaceAll(" ", "-").toLowerCase()}>
        {value}
      </Text>
      <CopyValue value={value} label={label} />
    </Group>
  );
}

const STATUS_COLORS: Record<string, string> = { ACTIVE: "green", CONFIRMED: "green", PENDING: "yellow", REVOKED: "gray", EXPIRED: "gray" };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? "gray"} variant="light" autoContrast>
      {status.toLowerCase()}
    </Badge>
  );
}
