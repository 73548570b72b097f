import { Alert, Badge, Button, Card, Code, Group, List, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { QRCodeSVG } from "qrcode.react";
import { useState, type FormEvent } from "react";
import { errorMessage } from "../../shared/api.ts";
import { authRequest } from "../../shared/session.tsx";
import { CopyValue } from "../../shared/CopyValue.tsx";
import { QueryState } from "../../shared/page.tsx";
import { useGraphMutation } from "../../shared/mutations.ts";

interface TwoFactorStatus {
  enabled: boolean;
  pending: boolean;
  required: boolean;
}

const STATUS_KEY = ["two-factor-status"];

/** A 6-digit code field, labelled, with the server's error beside it. */
function CodeInput({ value, onChange, error, label }: { value: string; onChange: (value: string) => void; error: unknown; label: string }) {
  return (
    <TextInput
      label={label}
      description="The 6-digit code your authenticator app shows now."
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value.replace(/\D/g, ""))}
      error={error ? errorMessage(error) : undefined}
      required
      w={{ base: "100%", sm: 260 }}
    />
  );
}

/**
 * Two-factor authentication for the signed-in person: enrol (QR code of the otpauth URI, and the
 * secret for typing in by hand), confirm with a code, and turn it off again with a code.
 */
export function TwoFactorPanel({ onEnabled }: { onEnabled?: () => Promise<void> | void }) {
  const status = useQuery({ queryKey: STATUS_KEY, queryFn: () => authRequest<TwoFactorStatus>("GET", "/auth/totp") });
  const [code, setCode] = useState("");
  const enroll = useGraphMutation(() => authRequest<{ secret: string; otpauth_uri: string }>("POST", "/auth/totp/enroll"), { invalidate: [STATUS_KEY] });
  const confirm = useGraphMutation(() => authRequest<{ two_factor_enabled: boolean }>("POST", "/auth/totp/confirm", { code }), {
    invalidate: [STATUS_KEY],
    onSuccess: () => {
      setCode("");
      enroll.reset();
      void onEnabled?.();
    },
  });
  const disable = useGraphMutation(() => authRequest<{ two_factor_enabled: boolean }>("POST", "/auth/totp/disable", { code }), {
    invalidate: [STATUS_KEY],
    onSuccess: () => setCode(""),
  });

  const submitConfirm = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate();
  };
  const submitDisable = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate();
  };

  return (
    <QueryState query={status} label="two-factor status">
      {(s) => (
        <Stack>
          <Group gap="xs">
            <Text>Two-factor authentication is</Text>
            <Badge color={s.enabled ? "green" : "gray"} variant="light" autoContrast data-testid="two-factor-state">
              {s.enabled ? "on" : "off"}
            </Badge>
          </Group>
          {s.required && (
            <Text size="sm" c="dimmed">
              A business you belong to requires two-factor authentication{s.enabled ? ", so it stays on." : "."}
            </Text>
          )}
          {confirm.isSuccess && (
            <Alert color="green" role="status" title="Two-factor authentication is on">
              From now on, signing in asks for a code from your authenticator app.
            </Alert>
          )}
          {disable.isSuccess && (
            <Alert color="yellow" role="status" title="Two-factor authentication is off">
              Signing in needs only your password now.
            </Alert>
          )}

          {!s.enabled && !enroll.data && (
            <Group>
              <Button onClick={() => enroll.mutate()} loading={enroll.isPending}>
                Set up two-factor authentication
              </Button>
            </Group>
          )}
          {enroll.error && (
            <Alert color="red" role="alert">
              {errorMessage(enroll.error)}
            </Alert>
          )}

          {!s.enabled && enroll.data && (
            <Card withBorder>
              <form onSubmit={submitConfirm} aria-labelledby="enrol-title">
                <Stack>
                  <Title order={3} size="h5" id="enrol-title">
                    Add Grantline to your authenticator app
                  </Title>
                  <List type="ordered" size="sm">
                    <List.Item>Open an authenticator app (Google Authenticator, 1Password, Authy and others work).</List.Item>
                    <List.Item>Scan this QR code, or type the key below by hand.</List.Item>
                    <List.Item>Enter the code the app shows to finish.</List.Item>
                  </List>
                  <div style={{ background: "#fff", padding: 8, width: "fit-content" }}>
                    <QRCodeSVG value={enroll.data.otpauth_uri} size={184} level="M" role="img" aria-label="QR code to add Grantline to your authenticator app" data-testid="totp-qr" />
                  </div>
                  <div>
                    <Text size="sm" c="dimmed" id="totp-secret-label">
                      Key for typing in by hand (time-based, 6 digits, every 30 seconds)
                    </Text>
                    <Group gap="xs" wrap="nowrap" align="flex-start">
                      <Code block style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }} aria-labelledby="totp-secret-label" data-testid="totp-secret">
                        {enroll.data.secret}
                      </Code>
                      <CopyValue value={enroll.data.secret} label="key" />
                    </Group>
                  </div>
                  <Group align="flex-end" wrap="wrap">
                    <CodeInput label="Code from the app" value={code} onChange={setCode} error={confirm.error} />
                    <Button type="submit" loading={confirm.isPending}>
                      Turn on two-factor
                    </Button>
                  </Group>
                </Stack>
              </form>
            </Card>
          )}

          {s.enabled && !s.required && (
            <Card withBorder>
              <form onSubmit={submitDisable} aria-labelledby="disable-title">
                <Stack gap="sm">
                  <Title order={3} size="h5" id="disable-title">
                    Turn two-factor off
                  </Title>
                  <Text size="sm">Anyone with your password could then sign in as you.</Text>
                  <Group align="flex-end" wrap="wrap">
                    <CodeInput label="Current code" value={code} onChange={setCode} error={disable.error} />
                    <Button type="submit" color="red" variant="outline" loading={disable.isPending}>
                      Turn off two-factor
                    </Button>
                  </Group>
                </Stack>
              </form>
            </Card>
          )}
        </Stack>
      )}
    </QueryState>
  );
}
