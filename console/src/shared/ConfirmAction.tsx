import { Alert, Button, Group, List, Loader, Modal, Stack, Text, TextInput, type ButtonProps } from "@mantine/core";
import { useMutation, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { errorMessage, graph } from "./api.ts";

/** What the hub says a removal would take away (`GET /{business}/access_impact`). */
export interface AccessImpact {
  summary: string;
  businesses: { id: string; name: string; assets: { id: string; name: string; type: string; before: string; after: string }[] }[];
  losses: { principal: { id: string; name: string; type: string }; business: { id: string; name: string } | null; asset: { id: string; name: string }; before: string; after: string }[];
  apps: { id: string; name: string; granted_by: { id: string; name: string }; assets: { id: string; name: string }[] }[];
  confirm_text: string | null;
}

/** Where to ask for the impact: the business (or `me`) and the change's parameters. */
export interface ImpactQuery {
  node: string;
  params: Record<string, string | string[] | Record<string, unknown>>;
}

const SHOWN = 8;

function Lines({ items }: { items: string[] }) {
  return (
    <List size="sm" spacing={2}>
      {items.slice(0, SHOWN).map((item, i) => (
        <List.Item key={i}>{item}</List.Item>
      ))}
      {items.length > SHOWN && <List.Item>and {items.length - SHOWN} more</List.Item>}
    </List>
  );
}

function ImpactDetails({ impact }: { impact: AccessImpact }) {
  const shares = impact.businesses.flatMap((b) => b.assets.map((a) => `${b.name} on ${a.name}: ${a.before} → ${a.after}`));
  const people = impact.losses.map((l) => `${l.principal.name}${l.principal.type === "system_user" ? " (system user)" : ""} on ${l.asset.name}: ${l.before} → ${l.after}`);
  const apps = impact.apps.map((a) => `${a.name} on ${a.assets.map((x) => x.name).join(", ")}, connected by ${a.granted_by.name}`);
  return (
    <Stack gap="xs">
      {shares.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            Shares that end or narrow
          </Text>
          <Lines items={shares} />
        </>
      )}
      {people.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            People and system users who lose access
          </Text>
          <Lines items={people} />
        </>
      )}
      {apps.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            App connections that end
          </Text>
          <Lines items={apps} />
        </>
      )}
    </Stack>
  );
}

/**
 * A button for an action that removes or narrows access. It never acts on its own click: it opens
 * a dialog that says, from the hub's access engine, exactly what stops working and for whom, and
 * the action runs only when that is confirmed (for a whole partner, by typing its name). Marked
 * `data-destructive` so the console's tests can find every such button by walking the pages.
 */
export function ConfirmAction({
  kind,
  label,
  ariaLabel,
  title,
  impact,
  description,
  confirmLabel,
  typeToConfirm,
  onConfirm,
  invalidate,
  onDone,
  disabled,
  buttonProps,
}: {
  /** What kind of removal this is (`data-destructive`): partner, share, assignment, person, system_user, token, app, fix… */
  kind: string;
  label: ReactNode;
  ariaLabel?: string;
  title: string;
  /** Where the hub answers what the change takes away; without it, `description` says it. */
  impact?: ImpactQuery;
  description?: ReactNode;
  confirmLabel: string;
  /** A name the admin must type (otherwise the impact's `confirm_text`, if any). */
  typeToConfirm?: string;
  onConfirm: () => Promise<unknown>;
  /** Queries to refresh after it is done (default: every query). */
  invalidate?: QueryKey[];
  onDone?: (result: unknown) => void;
  disabled?: boolean;
  buttonProps?: ButtonProps;
}) {
  const [opened, setOpened] = useState(false);
  const [typed, setTyped] = useState("");
  const queryClient = useQueryClient();
  const answer = useQuery({
    queryKey: ["access-impact", impact?.node, impact?.params],
    queryFn: () => graph.get<AccessImpact>(`/${impact!.node}/access_impact`, impact!.params),
    enabled: opened && impact !== undefined,
    staleTime: 0,
    gcTime: 0,
  });
  const action = useMutation({
    mutationFn: onConfirm,
    onSuccess: async (result) => {
      setOpened(false);
      setTyped("");
      onDone?.(result);
      if (invalidate) await Promise.all(invalidate.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      else await queryClient.invalidateQueries();
    },
  });
  const mustType = typeToConfirm ?? answer.data?.confirm_text ?? null;
  const ready = (impact === undefined || !answer.isPending) && (mustType === null || typed.trim() === mustType);
  const close = () => {
    if (action.isPending) return;
    setOpened(false);
    setTyped("");
    action.reset();
  };

  return (
    <>
      <Button color="red" variant="subtle" size="xs" {...buttonProps} onClick={() => setOpened(true)} aria-label={ariaLabel} disabled={disabled} data-destructive={kind}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered size="lg" closeButtonProps={{ "aria-label": "Close" }}>
        <Stack gap="sm">
          {impact && answer.isPending && <Loader size="sm" role="status" aria-label="Working out what this removes" />}
          {impact && answer.isError && (
            <Alert color="yellow" role="alert" title="Could not work out what this removes">
              {errorMessage(answer.error)}
            </Alert>
          )}
          {answer.data && (
            <>
              <Text fw={600} data-testid="impact-summary">
                {answer.data.summary}
              </Text>
              <ImpactDetails impact={answer.data} />
            </>
          )}
          {description && <Text size="sm">{description}</Text>}
          {mustType !== null && (
            <TextInput
              label={`Type ${mustType} to confirm`}
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              autoComplete="off"
              data-autofocus
            />
          )}
          {action.isError && (
            <Alert color="red" role="alert">
              {errorMessage(action.error)}
            </Alert>
          )}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={close} disabled={action.isPending}>
              Cancel
            </Button>
            <Button color="red" onClick={() => action.mutate()} disabled={!ready} loading={action.isPending} data-confirm>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
