import { Alert, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import { useEffect, useId, useRef, type ReactNode } from "react";
import { errorMessage } from "./api.ts";

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

/** A titled part of a page; the heading names the region for screen readers. */
export function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={3} size="h4" id={id}>
          {title}
        </Title>
        {actions}
      </Group>
      {children}
    </section>
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
  if (empty && isEmpty?.(query.data)) return <EmptyState label={label}>{empty}</EmptyState>;
  return <>{children(query.data)}</>;
}

/** What a list shows when it has nothing in it. */
export function EmptyState({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Text c="dimmed" py="md" data-testid={`empty-${label.replaceAll(" ", "-")}`}>
      {children}
    </Text>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <Alert color="red" role="alert" mt="sm">
      {errorMessage(error)}
    </Alert>
  );
}
