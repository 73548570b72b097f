import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { graph, GraphError, onTokenRejected, setAccessToken } from "./api.ts";
import type { GraphErrorBody, MyBusiness, Person } from "./wire.ts";

/**
 * Who is signed in. A person signs in with email and password (and a TOTP code when asked) through
 * the hub's `/auth` endpoints; the session cookie then yields a short-lived Graph token for that
 * person. A developer may instead paste an access token (kept for this tab only).
 */
export interface Session {
  person: Person;
  businesses: MyBusiness[];
  via: "password" | "token";
}

interface SessionState {
  session: Session | null;
  /** Signed in with a password, but a business requires two-factor: only its setup is open until then. */
  setupRequired: Person | null;
  loading: boolean;
  /** Resolves "two_factor_setup" when the person must enrol before anything else. */
  signIn(input: { email: string; password: string; totpCode?: string }): Promise<"signed_in" | "two_factor_setup">;
  /** After enrolment confirmed a code: the session now has its Graph token. */
  completeTwoFactorSetup(): Promise<void>;
  /** Takes up a session the hub started by cookie (accepting an invitation), replacing any other. */
  resumeFromCookie(): Promise<"signed_in" | "two_factor_setup">;
  signInWithToken(token: string): Promise<void>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);
const TOKEN_KEY = "grantline.console.token";
let csrfToken: string | undefined;

export class SignInError extends Error {
  constructor(
    message: string,
    readonly field: "email" | "password" | "totp_code" | "token" | null,
    readonly needsTotp = false,
  ) {
    super(message);
  }
}

async function loadPerson(via: Session["via"]): Promise<Session> {
  const me = await graph.get<{ id: string; name: string; businesses?: MyBusiness[] }>("/me", { fields: "id,name,businesses" });
  return { person: { id: me.id, name: me.name }, businesses: me.businesses ?? [], via };
}

interface AuthSession {
  person: Person;
  access_token: string | null;
  expires_at: string | number;
  csrf_token?: string;
  two_factor_setup_required?: boolean;
}

/** A JSON call to the hub's `/auth` endpoints with the session cookie: status and parsed body. */
export async function authJson<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T | undefined }> {
  const response = await fetch(path, { credentials: "same-origin", ...init, headers: { accept: "application/json", ...(init.headers ?? {}) } });
  const text = await response.text();
  let body: T | undefined;
  try {
    body = text ? (JSON.parse(text) as T) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/**
 * A call to the hub's cookie-authenticated `/auth` endpoints (two-factor settings), with the CSRF
 * token the session handed out; a refusal becomes a GraphError with the hub's message.
 */
export async function authRequest<T>(method: "GET" | "POST", path: string, body?: Record<string, unknown>): Promise<T> {
  const headers: Record<string, string> = {};
  if (method === "POST") {
    headers["content-type"] = "application/json";
    if (csrfToken) headers["x-csrf-token"] = csrfToken;
  }
  const result = await authJson<T & { error?: GraphErrorBody }>(path, { method, headers, body: method === "POST" ? JSON.stringify(body ?? {}) : undefined });
  if (result.status >= 400) throw new GraphError(result.status, result.body?.error ?? { message: `The hub answered ${result.status}.` });
  return result.body as T;
}

/** The person a password session belongs to when it waits for two-factor setup, else null. */
async function pendingSetup(): Promise<Person | null> {
  const { status, body } = await authJson<AuthSession>("/auth/session");
  if (status !== 200 || !body?.two_factor_setup_required) return null;
  csrfToken = body.csrf_token;
  return body.person;
}

async function sessionFromCookie(): Promise<Session | null> {
  const { status, body } = await authJson<AuthSession>("/auth/session");
  if (status !== 200 || !body?.access_token) return null;
  setAccessToken(body.access_token);
  csrfToken = body.csrf_token;
  const session = await loadPerson("password");
  return { ...session, person: { ...session.person, email: body.person?.email } };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [setupRequired, setSetupRequired] = useState<Person | null>(null);
  const [loading, setLoading] = useState(true);

  const clear = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setAccessToken(null);
    setSession(null);
    setSetupRequired(null);
  }, []);

  useEffect(() => {
    onTokenRejected(clear);
    let cancelled = false;
    (async () => {
      const saved = sessionStorage.getItem(TOKEN_KEY);
      try {
        if (saved) {
          setAccessToken(saved);
          const restored = await loadPerson("token");
          if (!cancelled) setSession(restored);
        } else {
          const restored = await sessionFromCookie();
          const waiting = restored ? null : await pendingSetup();
          if (!cancelled) {
            setSession(restored);
            setSetupRequired(waiting);
          }
        }
      } catch {
        if (!cancelled) clear();
      } finally {
        if (!cancelled) setLoading(false);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [clear]);

  const signIn = useCallback(async (input: { email: string; password: string; totpCode?: string }) => {
    const { status, body } = await authJson<{ error?: { message?: string; error_user_msg?: string; code?: number; error_subcode?: number } }>("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: input.email, password: input.password, ...(input.totpCode ? { totp_code: input.totpCode } : {}) }),
    });
    if (status === 404) throw new SignInError("Signing in with a password is not available on this hub. Use an access token instead.", null);
    if (status >= 400) {
      const error = body?.error;
      const message = error?.error_user_msg ?? error?.message ?? "Could not sign in. Try again.";
      // The hub's sign-in errors: wrong email or password, two-factor code needed or wrong, throttled.
      switch (error?.error_subcode) {
        case 1_348_001:
          throw new SignInError(message, "password");
        case 1_348_002:
          throw new SignInError(message, "totp_code", true);
        case 1_348_003:
          throw new SignInError(message, "totp_code", true);
        default:
          throw new SignInError(message, status === 400 ? "email" : null);
      }
    }
    const restored = await sessionFromCookie();
    if (!restored) {
      const waiting = await pendingSetup();
      if (waiting) {
        setSetupRequired(waiting);
        return "two_factor_setup";
      }
      throw new SignInError("Signed in, but the hub did not start a session. Try again.", null);
    }
    setSession(restored);
    return "signed_in";
  }, []);

  const completeTwoFactorSetup = useCallback(async () => {
    const restored = await sessionFromCookie();
    if (!restored) throw new SignInError("Two-factor is on, but the hub did not start a session. Sign in again.", null);
    setSetupRequired(null);
    setSession(restored);
  }, []);

  const resumeFromCookie = useCallback(async () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setAccessToken(null);
    const restored = await sessionFromCookie();
    if (restored) {
      setSetupRequired(null);
      setSession(restored);
      return "signed_in" as const;
    }
    const waiting = await pendingSetup();
    if (!waiting) throw new SignInError("The hub did not start a session. Sign in with your email and password.", null);
    setSession(null);
    setSetupRequired(waiting);
    return "two_factor_setup" as const;
  }, []);

  const signInWithToken = useCallback(async (token: string) => {
    setAccessToken(token.trim());
    try {
      const restored = await loadPerson("token");
      sessionStorage.setItem(TOKEN_KEY, token.trim());
      setSession(restored);
    } catch (error) {
      setAccessToken(null);
      throw new SignInError(error instanceof GraphError ? error.message : "The hub did not accept this token.", "token");
    }
  }, []);

  const signOut = useCallback(async () => {
    if (session?.via === "password" || setupRequired) await authJson("/auth/logout", { method: "POST", headers: csrfToken ? { "x-csrf-token": csrfToken } : {} }).catch(() => undefined);
    clear();
  }, [session, setupRequired, clear]);

  const refresh = useCallback(async () => {
    if (!session) return;
    setSession(await loadPerson(session.via));
  }, [session]);

  const value = useMemo(
    () => ({ session, setupRequired, loading, signIn, completeTwoFactorSetup, resumeFromCookie, signInWithToken, signOut, refresh }),
    [session, setupRequired, loading, signIn, completeTwoFactorSetup, resumeFromCookie, signInWithToken, signOut, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
