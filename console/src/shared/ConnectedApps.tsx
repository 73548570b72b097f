import { Badge, List, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { assetTypeLabel } from "./assetTypes.ts";
import { formatTime } from "./format.ts";
import { DataTable } from "./DataTable.tsx";

/** An app connection as the `connected_apps` edges present it. */
export interface AppConnection {
  id: string;
  app: { id: string; name: string; verified: boolean };
  granted_by: { id: string; name: string | null };
  scopes: string[];
  scope_descriptions: { scope: string; description: string; kind: "read" | "write" }[];
  assets: { id: string; name: string; type: string | null }[];
  created_time?: string;
  tokens: { id: string; created_time?: string; expires_time?: string; last_used_time?: string }[];
  last_used_time?: string;
  expires_time?: string;
}

export function VerifiedBadge({ verified }: { verified: boolean }) {
  return (
    <Badge color={verified ? "green" : "gray"} variant="light" autoContrast>
      {verified ? "Verified" : "Not verified"}
    </Badge>
  );
}

/**
 * Connected apps: the app and its badge, what it may do in plain words, the assets chosen at
 * consent, who granted it, and its tokens' last use and expiry; optionally a remove button per row.
 */
/** A short list, each item with a dimmed note in brackets: "Acme Main (ad account)". */
function NotedList({ items }: { items: { key: string; text: string; note: string }[] }) {
  return (
    <List size="sm" spacing={2}>
      {items.map((item) => (
        <List.Item key={item.key}>
          {item.text}
          <Text span size="xs" c="dimmed">
            {" "}
            ({item.note})
          </Text>
        </List.Item>
      ))}
    </List>
  );
}

export function ConnectedAppsTable({
  label,
  rows,
  showGrantedBy = true,
  remove,
}: {
  label: string;
  rows: AppConnection[];
  showGrantedBy?: boolean;
  /** The removal button of each row (a confirmation, see ConfirmAction). */
  remove?: (row: AppConnection) => ReactNode;
}) {
  return (
    <DataTable
      label={label}
      rows={rows}
      rowKey={(c) => c.id}
      rowTestId={(c) => `app-${c.app.name}`}
      minWidth={860}
      columns={[
        {
          header: "App",
          cell: (c) => (
            <Stack gap={4}>
              <Text fw={600}>{c.app.name}</Text>
              <VerifiedBadge verified={c.app.verified} />
            </Stack>
          ),
        },
        {
          header: "What it may do",
          cell: (c) => <NotedList items={c.scope_descriptions.map((s) => ({ key: s.scope, text: s.description, note: s.kind === "read" ? "read only" : "read and change" }))} />,
        },
        {
          header: "Assets",
          cell: (c) => <NotedList items={c.assets.map((a) => ({ key: a.id, text: a.name, note: a.type ? assetTypeLabel(a.type) : "asset" }))} />,
        },
        { header: "Granted by", hidden: !showGrantedBy, cell: (c) => `${c.granted_by.name ?? c.granted_by.id} on ${formatTime(c.created_time)}` },
        {
          header: "Tokens",
          cell: (c) =>
            c.tokens.length === 0 ? (
              <Text size="sm">No live token</Text>
            ) : (
              <Stack gap={2}>
                <Text size="sm">Last used: {c.last_used_time ? formatTime(c.last_used_time) : "never"}</Text>
                <Text size="sm">Expires: {c.expires_time ? formatTime(c.expires_time) : "never"}</Text>
              </Stack>
            ),
        },
        {
          header: "Actions",
          hidden: !remove,
          cell: (c) => remove?.(c),
        },
      ]}
    />
  );
}
