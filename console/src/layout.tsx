import { AppShell, Burger, Group, Loader, NavLink, Select, Stack, Text, Title, Button, Center, VisuallyHidden } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useEffect } from "react";
import { Navigate, NavLink as RouterLink, Outlet, useLocation, useNavigate, useParams } from "react-router";
import { useSession } from "./session.tsx";

const SETTINGS = [
  { to: "info", label: "Business info" },
  { to: "people", label: "People" },
  { to: "system-users", label: "System users" },
  { to: "partners", label: "Partners" },
  { to: "requests", label: "Requests" },
  { to: "assets", label: "Assets" },
];

const SECURITY = [{ to: "security/audit", label: "Audit log" }];

const AUTOPILOT = [{ to: "autopilot", label: "Autopilot" }];

function NavSection({ title, items, businessId, onNavigate }: { title: string; items: typeof SETTINGS; businessId: string; onNavigate: () => void }) {
  const location = useLocation();
  return (
    <nav aria-label={title}>
      <Text component="h2" size="xs" fw={700} tt="uppercase" c="dimmed" px="sm" mt="md" mb={4}>
        {title}
      </Text>
      {items.map((item) => {
        const href = `/b/${businessId}/${item.to}`;
        const active = location.pathname === href || location.pathname.startsWith(`${href}/`);
        return (
          <NavLink
            key={item.to}
            component={RouterLink}
            to={href}
            label={item.label}
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
          <Group gap="sm" wrap="nowrap">
            {session.businesses.length > 0 && (
              <Select
                aria-label="Business"
                data={session.businesses.map((b) => ({ value: b.id, label: b.name }))}
                value={businessId ?? null}
                onChange={(value) => value && navigate(`/b/${value}/info`)}
                allowDeselect={false}
                w={{ base: 140, sm: 220 }}
              />
            )}
            <Text size="sm" visibleFrom="sm" data-testid="signed-in-as">
              {session.person.name}
            </Text>
            <Button variant="default" size="xs" onClick={() => void signOut()}>
              Sign out
              <VisuallyHidden> {session.person.name}</VisuallyHidden>
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {businessId && business ? (
          <Stack gap={0}>
            <NavSection title="Business Settings" items={SETTINGS} businessId={businessId} onNavigate={close} />
            {business.role === "ADMIN" && <NavSection title="Security center" items={SECURITY} businessId={businessId} onNavigate={close} />}
            {business.role === "ADMIN" && <NavSection title="Tools" items={AUTOPILOT} businessId={businessId} onNavigate={close} />}
          </Stack>
        ) : (
          <Text size="sm" p="sm">
            You are not part of a business yet.
          </Text>
        )}
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
