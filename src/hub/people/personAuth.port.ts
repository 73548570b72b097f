import type { RequestContext } from "../context.ts";

/**
 * What the OAuth pages, the console's routes and the demo world ask of people's sign-in (src/auth),
 * which the composition root builds beside the hub: the session behind a cookie, signing in, and
 * setting a password. The rest of sign-in (TOTP, password reset, invitations) is auth's own.
 */
export interface PersonAuthPort {
  /** The live session behind a cookie value, or undefined. */
  session(sessionValue: string | undefined): Promise<SessionView | undefined>;
  /** Like `session`, but throws "not signed in". */
  requireSession(sessionValue: string | undefined): Promise<SessionView>;
  /** Checks a person's password (and TOTP code) and starts a session; failures slow further tries down. */
  login(ctx: RequestContext, input: { email: unknown; password: unknown; totpCode?: unknown; ip: string }): Promise<SignedIn>;
  /** Sets a person's password (the operator's CLI, the demo world); every session of theirs ends. */
  setPassword(ctx: RequestContext, email: string, password: string): Promise<PersonView>;
}

export interface PersonView {
  id: string;
  name: string;
  email: string;
}

export interface SignedIn {
  person: PersonView;
  /** The session cookie's value; only its hash is stored. */
  sessionValue: string;
  expiresAt: number;
  twoFactorSetupRequired: boolean;
}

export interface SessionView {
  sessionId: string;
  person: PersonView;
  expiresAt: number;
  twoFactorSetupRequired: boolean;
  /** The console's Graph token, derived from the cookie value (null until 2FA is set up when required). */
  accessToken: string | null;
}
