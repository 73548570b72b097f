import { Anchor, Button, Center, Divider, Paper, PasswordInput, Stack, Text, TextInput, Textarea, Title, Alert } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { SignInError, useSession } from "../../shared/session.tsx";

/** Sign in with email and password (and a TOTP code when the business requires two-factor), or with an access token. */
export function LoginPage() {
  const { session, setupRequired, loading, signIn, signInWithToken } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [askTotp, setAskTotp] = useState(false);
  const [token, setToken] = useState("");
  const [useToken, setUseToken] = useState(false);
  const [error, setError] = useState<SignInError | null>(null);
  const [busy, setBusy] = useState(false);

  const from = (location.state as { from?: string } | null)?.from ?? "/";
  if (!loading && session) return <Navigate to={from} replace />;
  if (!loading && setupRequired) return <Navigate to="/two-factor-setup" replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (useToken) await signInWithToken(token);
      else if ((await signIn({ email, password, totpCode: askTotp ? totp : undefined })) === "two_factor_setup") {
        navigate("/two-factor-setup", { replace: true });
        return;
      }
      navigate(from, { replace: true });
    } catch (caught) {
      const signInError = caught instanceof SignInError ? caught : new SignInError("Could not sign in. Try again.", null);
      if (signInError.needsTotp) setAskTotp(true);
      setError(signInError);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (field: SignInError["field"]) => (error && error.field === field ? error.message : undefined);

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <form onSubmit={submit} noValidate aria-labelledby="sign-in-title">
          <Stack>
            <Title order={1} size="h2" id="sign-in-title">
              Sign in to Grantline
            </Title>
            {useToken ? (
              <Textarea
                label="Access token"
                description="A token for your own person or a system user, as issued by the hub."
                value={token}
                onChange={(e) => setToken(e.currentTarget.value)}
                error={fieldError("token")}
                autosize
                minRows={2}
                required
                autoComplete="off"
              />
            ) : (
              <>
                <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError("email")} required autoComplete="username" />
                <PasswordInput
                  label="Password"
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                  error={fieldError("password")}
                  required
                  autoComplete="current-password"
                />
                {askTotp && (
                  <TextInput
                    label="Two-factor code"
                    description="The 6-digit code from your authenticator app."
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    value={totp}
                    onChange={(e) => setTotp(e.currentTarget.value)}
                    error={fieldError("totp_code")}
                    required
                  />
                )}
              </>
            )}
            {error && error.field === null && (
              <Alert color="red" role="alert">
                {error.message}
              </Alert>
            )}
            <Button type="submit" loading={busy} fullWidth>
              Sign in
            </Button>
            <Divider />
            <Text size="sm">
              <Anchor
                component="button"
                type="button"
                onClick={() => {
                  setUseToken(!useToken);
                  setError(null);
                }}
              >
                {useToken ? "Sign in with email and password" : "Use an access token instead"}
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
