import { Alert, Anchor, Button, Center, Group, Loader, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { FIELD_LIMITS, PASSWORD_MIN_LENGTH } from "../../../../src/fieldLimits.ts";
import { formatTime } from "../../shared/format.ts";
import { BUSINESS_ROLE_OPTIONS } from "./roles.ts";
import { authJson, SignInError, useSession } from "../../shared/session.tsx";

interface LinkInfo {
  email: string;
  role: string;
  business: { id: string; name: string };
  expiration_time: string;
  two_factor_required: boolean;
}

interface HubError {
  error?: { message?: string; error_user_msg?: string; error_user_title?: string };
}

type State = { kind: "loading" } | { kind: "ready"; link: LinkInfo } | { kind: "invalid"; title: string; message: string };

/**
 * The token of the link in the invitation mail. It travels in the URL's fragment, which browsers
 * never send to the hub, and is taken out of the address bar (and history) at once.
 */
function takeToken(): string {
  const token = new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token") ?? "";
  if (window.location.hash) window.history.replaceState(window.history.state, "", window.location.pathname);
  return token;
}

const roleLabel = (role: string) => BUSINESS_ROLE_OPTIONS.find((r) => r.value === role)?.label ?? role;

/**
 * Following an invitation: no sign-in needed. The person sees which business invited them, chooses
 * a name and password, and is signed in to that business (two-factor setup first when it requires it).
 * A used, cancelled, expired or unknown link says which, and nothing else. Someone already signed
 * in on this browser is asked first: accepting would sign them out and in as the invited address.
 */
export function InvitationPage() {
  const { resumeFromCookie, session, setupRequired, loading: sessionLoading } = useSession();
  const [switchAgreed, setSwitchAgreed] = useState(false);
  /** Who this browser is already signed in as, if anyone: accepting would sign them out. */
  const signedInAs = session?.person ?? setupRequired;
  const navigate = useNavigate();
  const token = useRef<string | null>(null);
  const [state, setState] = useState<State>({ kind: "loading" });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<{ field: "name" | "password" | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    token.current ??= takeToken();
    let cancelled = false;
    (async () => {
      if (!token.current) {
        setState({ kind: "invalid", title: "Invitation link not valid", message: "This page needs the link from an invitation mail. Open the link in the mail again." });
        return;
      }
      const { status, body } = await authJson<LinkInfo & HubError>("/auth/invitation", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: token.current }),
      });
      if (cancelled) return;
      if (status === 200 && body?.business) setState({ kind: "ready", link: body });
      else
        setState({
          kind: "invalid",
          title: body?.error?.error_user_title ?? "Invitation link not valid",
          message: body?.error?.error_user_msg ?? body?.error?.message ?? "This invitation link cannot be used.",
        });
    })().catch(() => {
      if (!cancelled) setState({ kind: "invalid", title: "The hub did not answer", message: "Check your connection and open the link again." });
    });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    if (state.kind !== "loading" && !sessionLoading) heading.current?.focus({ preventScroll: true });
  }, [state.kind, sessionLoading, switchAgreed]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || state.kind !== "ready") return;
    if (!name.trim()) return setError({ field: "name", message: "Enter your name." });
    if (password.length < PASSWORD_MIN_LENGTH) return setError({ field: "password", message: `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.` });
    setBusy(true);
    setError(null);
    try {
      const { status, body } = await authJson<{ business_id?: string } & HubError>("/auth/invitation/accept", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: token.current, name, password }),
      });
      if (status >= 400) {
        const message = body?.error?.error_user_msg ?? body?.error?.message ?? "Could not accept the invitation. Try again.";
        if (/password/i.test(message)) setError({ field: "password", message });
        else if (/name/i.test(message)) setError({ field: "name", message });
        else setState({ kind: "invalid", title: body?.error?.error_user_title ?? "Invitation not accepted", message });
        return;
      }
      const outcome = await resumeFromCookie();
      navigate(outcome === "two_factor_setup" ? "/two-factor-setup" : `/b/${body?.business_id ?? state.link.business.id}/info`, { replace: true });
    } catch (caught) {
      setError({ field: null, message: caught instanceof SignInError ? caught.message : "Could not accept the invitation. Try again." });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={480}>
        {(state.kind === "loading" || (state.kind === "ready" && sessionLoading)) && (
          <Stack align="center" role="status">
            <Loader aria-hidden />
            <Text>Checking your invitation…</Text>
          </Stack>
        )}
        {state.kind === "invalid" && (
          <Stack>
            <Title order={1} size="h2" ref={heading} tabIndex={-1} style={{ outline: "none" }}>
              {state.title}
            </Title>
            <Alert color="red" role="alert">
              {state.message}
            </Alert>
            <Text size="sm">
              Already have an account?{" "}
              <Anchor component={Link} to="/login">
                Sign in
              </Anchor>
            </Text>
          </Stack>
        )}
        {state.kind === "ready" && !sessionLoading && !switchAgreed && signedInAs && (
          <Stack>
            <Title order={1} size="h2" ref={heading} tabIndex={-1} style={{ outline: "none" }}>
              You are signed in as someone else
            </Title>
            <Text>
              This browser is signed in as <strong>{signedInAs.name}</strong>. The invitation to {state.link.business.name} is for{" "}
              <strong>{state.link.email}</strong>.
            </Text>
            <Text>Accepting it signs {signedInAs.name} out on this browser and signs you in with the new account.</Text>
            <Group>
              <Button onClick={() => setSwitchAgreed(true)}>Continue as {state.link.email}</Button>
              <Button variant="default" onClick={() => navigate("/", { replace: true })}>
                Stay signed in as {signedInAs.name}
              </Button>
            </Group>
          </Stack>
        )}
        {state.kind === "ready" && !sessionLoading && (switchAgreed || !signedInAs) && (
          <form onSubmit={submit} noValidate aria-labelledby="invitation-title">
            <Stack>
              <Title order={1} size="h2" id="invitation-title" ref={heading} tabIndex={-1} style={{ outline: "none" }}>
                Join {state.link.business.name}
              </Title>
              <Text>
                You are invited to {state.link.business.name} on Grantline as <strong>{roleLabel(state.link.role)}</strong>. Choose your name and a password to accept.
              </Text>
              <Text size="sm" c="dimmed">
                The invitation works until {formatTime(state.link.expiration_time)}.
              </Text>
              <TextInput label="Email" value={state.link.email} readOnly autoComplete="username" description="Your account uses the address the invitation was sent to." />
              <TextInput
                label="Your name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                required
                maxLength={FIELD_LIMITS.name}
                description={`As others in the business will see it; up to ${FIELD_LIMITS.name} characters`}
                error={error?.field === "name" ? error.message : undefined}
                autoComplete="name"
              />
              <PasswordInput
                label="Password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                required
                minLength={PASSWORD_MIN_LENGTH}
                maxLength={FIELD_LIMITS.password}
                description={`${PASSWORD_MIN_LENGTH} to ${FIELD_LIMITS.password} characters`}
                error={error?.field === "password" ? error.message : undefined}
                autoComplete="new-password"
              />
              {state.link.two_factor_required && (
                <Alert color="blue" title="Two-factor authentication required">
                  {state.link.business.name} requires two-factor authentication. Right after you accept, you set it up with an authenticator app on your phone.
                </Alert>
              )}
              {error?.field === null && (
                <Alert color="red" role="alert">
                  {error.message}
                </Alert>
              )}
              <Button type="submit" loading={busy} disabled={busy} fullWidth>
                Accept and sign in
              </Button>
            </Stack>
          </form>
        )}
      </Paper>
    </Center>
  );
}
