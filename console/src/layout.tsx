import { AppShell, Badge, Burger, Group, Loader, NavLink, Select, Stack, Text, Title, Button, Center, VisuallyHidden } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { graph } from "./shared/api.ts";
import { plural } from "./shared/format.ts";
import { useDisclosure } from "@mantine/hooks";
import { useEffect } from "react";
import { Navigate, NavLink as RouterLink, Outlet, useLocation, useNavigate, useParams } from "react-router";
import { useSession } from "./shared/session.tsx";
import { useHeldChangeCounts } from "./features/partners/guardrails.ts";

const SETTINGS = [
  { to: "info", label: "Business info" },
  { to: "people", label: "People" },
  { to: "system-users", label: "System users" },
  { to: "partners", label: "Partners" },
  { to: "requests", label: "Requests" },
  { to: "assets", label: "Assets" },
  { to: "apps", label: "Apps and integrations" },
];

const SECURITY = [
  { to: "security/audit", label: "Audit log" },
  { to: "security/review", label: "Access review" },
  { to: "security/alerts", label: "Alerts" },
];

const AUTOPILOT = [{ to: "autopilot", label: "Autopilot" }];

const ACCOUNT = [
  { to: "two-factor", label: "Two-factor authentication" },
  { to: "apps", label: "Connected apps" },
];

function NavSection({
  title,
  items,
  businessId,
  base,
  onNavigate,
  badges = {},
}: {
  title: string;
  items: typeof SETTINGS;
  businessId?: string;
  base?: string;
  onNavigate: () => void;
  /** A count shown beside an item (pending requests beside Requests), by the item's path. */
  badges?: Record<string, number>;
}) {
  const location = useLocation();
  return (
    <nav aria-label={title}>
      <Text component="h2" size="xs" fw={700} tt="uppercase" c="dimmed" px="sm" mt="md" mb={4}>
        {title}
      </Text>
      {items.map((item) => {
        const href = `${base ?? `/b/${businessId}`}/${item.to}`;
        const active = location.pathname === href || location.pathname.startsWith(`${href}/`);
        return (
          <NavLink
            key={item.to}
            component={RouterLink}
            to={href}
            label={item.label}
            rightSection={
              badges[item.to] ? (
                <>
                  <Badge size="sm" circle aria-hidden data-testid={`nav-badge-${item.to}`}>
                    {badges[item.to]}
                  </Badge>
                  <VisuallyHidden>, {plural(badges[item.to]!, "item", "items")} waiting for you</VisuallyHidden>
                </>
              ) : undefined
            }
            active={active}
            aria-current={active ? "page" : undefined}
            onClick={onNavigate}
          />
        );
      })}
    </nav>
  );
}

/** The signed-in frame: header with the business switcher and sign-out, Business Settings and Security center navigation. */
export function AppLayout() {
  const { session, loading, signOut } = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const params = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const currentBusiness = params.businessId ?? session?.businesses[0]?.id;
  // Offers and requests waiting for this business's answer, as a badge beside Requests.
  const waiting = useQuery({
    queryKey: ["partner-requests", currentBusiness, "incoming"],
    queryFn: () => graph.all<{ id: string }>(`/${currentBusiness}/partner_requests`, { direction: "incoming", fields: "id" }),
    enabled: Boolean(session && currentBusiness),
  });

  // Partners' changes held for this business's admins to approve count as waiting too.
  const isAdminHere = session?.businesses.find((b) => b.id === currentBusiness)?.role === "ADMIN";
  const held = useHeldChangeCounts(currentBusiness, Boolean(session) && isAdminHere);
  const heldCount = (held.data ?? []).reduce((sum, a) => sum + a.count, 0);

  if (loading) {
    return (
      <Center h="100vh">
        <Loader role="status" aria-label="Loading your session" />
      </Center>
    );
  }
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;

  const businessId = params.businessId ?? session.businesses[0]?.id;
  const business = session.businesses.find((b) => b.id === businessId);
  const switcher = (where: string) =>
    session.businesses.length > 0 && (
      <Select
        key={where}
        aria-label="Business"
        data={session.businesses.map((b) => ({ value: b.id, label: b.name }))}
        value={businessId ?? null}
        onChange={(value) => {
          close();
          if (value) navigate(`/b/${value}/info`);
        }}
        allowDeselect={false}
        w={{ base: "100%", sm: 220 }}
      />
    );
  const signOutButton = (
    <Button variant="default" size="xs" onClick={() => void signOut()}>
      Sign out
      <VisuallyHidden> {session.person.name}</VisuallyHidden>
    </Button>
  );

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 250, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? "Close navigation" : "Open navigation"} />
            <Title order={1} size="h4">
              Grantline
            </Title>
          </Group>
          {/* On a phone the switcher and sign-out move into the navigation drawer, so nothing is clipped. */}
          <Group gap="sm" wrap="nowrap" visibleFrom="sm">
            {switcher("header")}
            <Text size="sm" data-testid="signed-in-as">
              {session.person.name}
            </Text>
            {signOutButton}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" style={{ overflowY: "auto" }}>
        <Stack gap="xs" hiddenFrom="sm" px="sm" pt="xs">
          <Text size="sm">Signed in as {session.person.name}</Text>
          {switcher("drawer")}
          <Group>{signOutButton}</Group>
        </Stack>
        {businessId && business ? (
          <Stack gap={0}>
            <NavSection title="Business Settings" items={SETTINGS} businessId={businessId} onNavigate={close} badges={{ requests: (waiting.data?.length ?? 0) + (isAdminHere ? heldCount : 0) }} />
            <NavSection
              title="Security center"
              items={business.role === "ADMIN" ? [...SECURITY, { to: "security/troubleshoot", label: "Troubleshooter" }] : [{ to: "security/troubleshoot", label: "Troubleshooter" }]}
              businessId={businessId}
              onNavigate={close}
            />
            {business.role === "ADMIN" && <NavSection title="Tools" items={AUTOPILOT} businessId={businessId} onNavigate={close} />}
          </Stack>
        ) : (
          <Text size="sm" p="sm">
            You are not part of a business yet.
          </Text>
        )}
        <NavSection title="Your account" items={ACCOUNT} base="/account" onNavigate={close} />
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}

/** `/`: the first business the person belongs to, or a note that there is none. */
export function BusinessHome() {
  const { session } = useSession();
  const navigate = useNavigate();
  const first = session?.businesses[0];
  useEffect(() => {
    if (first) navigate(`/b/${first.id}/info`, { replace: true });
  }, [first, navigate]);
  if (first) return null;
  return (
    <Stack>
      <Title order={2}>Welcome</Title>
      <Text>You are not part of any business yet. An admin of a business can add you from Business Settings → People.</Text>
    </Stack>
  );
}
