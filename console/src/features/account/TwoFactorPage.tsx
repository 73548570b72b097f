import { Alert, Center, Paper, Stack, Text, Title } from "@mantine/core";
import { Navigate, useNavigate } from "react-router";
import { PageTitle } from "../../shared/page.tsx";
import { TwoFactorPanel } from "./TwoFactorPanel.tsx";
import { useSession } from "../../shared/session.tsx";

/** Your account → Two-factor: enrol, confirm, turn off. */
export function TwoFactorPage() {
  const { session } = useSession();
  return (
    <>
      <PageTitle description="A code from an app on your phone, asked for at every sign-in, on top of your password.">Two-factor authentication</PageTitle>
      {session?.via === "token" ? (
        <Alert color="gray" title="Signed in with an access token">
          Two-factor protects signing in with email and password. Sign in that way to set it up.
        </Alert>
      ) : (
        <TwoFactorPanel />
      )}
    </>
  );
}

/**
 * The only screen open to someone who signed in with a password while a business of theirs
 * requires two-factor and they have not set it up: enrolling ends here in a normal session.
 */
export function TwoFactorSetupPage() {
  const { session, setupRequired, loading, completeTwoFactorSetup, signOut } = useSession();
  const navigate = useNavigate();
  if (!loading && session) return <Navigate to="/" replace />;
  if (!loading && !setupRequired) return <Navigate to="/login" replace />;
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={560}>
        <Stack>
          <Title order={1} size="h2">
            Set up two-factor authentication
          </Title>
          <Text>
            {setupRequired?.name ? `${setupRequired.name}, a` : "A"} business you belong to requires two-factor authentication. Set it up to continue; you will be asked for a code
            at every sign-in.
          </Text>
          {setupRequired && (
            <TwoFactorPanel
              onEnabled={async () => {
                await completeTwoFactorSetup();
                navigate("/", { replace: true });
              }}
            />
          )}
          <Text size="sm">
            <button type="button" className="link-button" onClick={() => void signOut().then(() => navigate("/login", { replace: true }))}>
              Sign out instead
            </button>
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
