import { ActionIcon, Alert, Badge, Center, CopyButton, Group, Loader, Progress, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { useMutation, useQueryClient, type QueryKey, type UseMutationResult, type UseQueryResult } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode, type RefObject } from "react";
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

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Leave the column out (an action only admins have, for example). */
  hidden?: boolean;
}

/**
 * A labelled table that scrolls sideways on its own on a narrow screen (the scroll area is
 * focusable, so keyboard users can scroll it too), one row per item.
 */
export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  rowTestId,
  striped = false,
  fz,
  minWidth = 600,
}: {
  label: string;
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowTestId?: (row: T) => string;
  striped?: boolean;
  fz?: "xs" | "sm";
  /** Below this width the table scrolls inside its box instead of squeezing its columns (phones). */
  minWidth?: number;
}) {
  const shown = columns.filter((c) => !c.hidden);
  const box = useRef<HTMLDivElement>(null);
  const overflows = useOverflow(box);
  const hintId = useId();
  return (
    <>
      {overflows && (
        <Text size="xs" c="dimmed" id={hintId} className="scroll-hint">
          Scroll sideways to see all columns →
        </Text>
      )}
      <div className="table-scroll" tabIndex={0} ref={box} aria-describedby={overflows ? hintId : undefined} data-overflows={overflows || undefined}>
        <Table aria-label={label} striped={striped} highlightOnHover={striped} verticalSpacing="sm" fz={fz} miw={minWidth}>
          <Table.Thead>
            <Table.Tr>
              {shown.map((c) => (
                <Table.Th key={c.header}>{c.header}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={rowKey(row)} data-testid={rowTestId?.(row)}>
                {shown.map((c) => (
                  <Table.Td key={c.header}>{c.cell(row)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}

/** Whether the box's content is wider than the box (a table on a phone), kept up to date as either changes size. */
function useOverflow(box: RefObject<HTMLDivElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, [box]);
  return overflows;
}

/**
 * A change through the Graph API that refreshes what it affects: the queries under the given keys,
 * or every query when none are given (a partner or access change shows up on many pages).
 */
export function useGraphMutation<TVariables = void, TData = unknown>(
  mutationFn: (variables: TVariables) => Promise<TData>,
  options: { invalidate?: QueryKey[]; onSuccess?: (data: TData, variables: TVariables) => void } = {},
): UseMutationResult<TData, Error, TVariables> {
  const queryClient = useQueryClient();
  return useMutation<TData, Error, TVariables>({
    mutationFn,
    onSuccess: async (data, variables) => {
      options.onSuccess?.(data, variables);
      if (options.invalidate) await Promise.all(options.invalidate.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      else await queryClient.invalidateQueries();
    },
  });
}

/**
 * A form's submit handler that sends the mutation once: a second submit (a double click, Enter
 * pressed twice) while the first request is on its way does nothing. The flag is a ref, so even two
 * submits in the same frame, before React shows the button disabled, send one request.
 */
export function useSubmitOnce<TVariables>(mutation: UseMutationResult<unknown, Error, TVariables>, variables?: () => TVariables): (event?: FormEvent) => void {
  const busy = useRef(false);
  return (event?: FormEvent) => {
    event?.preventDefault();
    if (busy.current || mutation.isPending) return;
    busy.current = true;
    mutation.mutate(variables ? variables() : (undefined as TVariables), {
      onSettled: () => {
        busy.current = false;
      },
    });
  };
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

function useElapsedSeconds(running: boolean): number {
  const [started, setStarted] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) {
      setStarted(null);
      return;
    }
    const start = Date.now();
    setStarted(start);
    setNow(start);
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);
  return started === null ? 0 : Math.max(0, Math.floor((now - started) / 1000));
}

/**
 * A long operation's progress: a bar with the share done when the server reports it, otherwise an
 * honest "working" bar with the time elapsed (the server's answer for that call comes all at once).
 */
export function OperationProgress({ running, label, done, total }: { running: boolean; label: string; done?: number; total?: number }) {
  const elapsed = useElapsedSeconds(running);
  if (!running) return null;
  const known = done !== undefined && total !== undefined && total > 0;
  const value = known ? Math.round((done / total) * 100) : 100;
  return (
    <Stack gap={4} my="sm" data-testid="operation-progress">
      {/* One progressbar, on the root: Mantine's section would otherwise claim 100% while the work is unmeasured. */}
      <Progress.Root
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={known ? value : undefined}
        aria-valuetext={known ? `${done} of ${total}` : `Working, ${elapsed} seconds so far`}
      >
        <Progress.Section value={value} withAria={false} animated={!known} striped={!known} />
      </Progress.Root>
      <Text size="sm" role="status">
        {label}: {known ? `${done} of ${total}` : "working"} · {elapsed} s
      </Text>
    </Stack>
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

/** The business from the URL and the signed-in person's role in it. */
export function useBusiness(): { businessId: string; role: string | undefined; isAdmin: boolean; name: string | undefined } {
  const { businessId = "" } = useParams();
  const { session } = useSession();
  const mine = session?.businesses.find((b) => b.id === businessId);
  return { businessId, role: mine?.role, isAdmin: mine?.role === "ADMIN", name: mine?.name };
}

/** Drawn, not a font glyph: "⧉" has no glyph in many system fonts and showed as an empty box. */
function CopyIcon() {
  return (
    <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <rect x="9" y="9" width="12" height="12" rx="2" />
      <path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />
    </svg>
  );
}

function CheckIcon() {
  return (
    <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round">
      <path d="M20 6 9 17l-5-5" />
    </svg>
  );
}

export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value} timeout={2000}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? "Copied" : `Copy ${label}`} withArrow>
          <ActionIcon variant="default" onClick={copy} aria-label={copied ? `${label} copied` : `Copy ${label}`}>
            {copied ? <CheckIcon /> : <CopyIcon />}
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
