import type { Config } from "../../config/env.ts";
import { operatorContext } from "../../hub/context.ts";
import type { Hub } from "../../hub/hub.ts";
import type { Autopilot } from "./autopilot.ts";
import { AUTOPILOT_SCOPES, CALLBACK_PATH, type OAuthClientView } from "./connect.service.ts";

export interface AutopilotRegistration {
  business_id: string;
  client_id: string;
  redirect_uri: string;
  issuer: string;
}

/**
 * Registers Autopilot on a hub as an app of its own business (a new business with an admin system
 * user, who registers the app for the ads scopes with Autopilot's callback), and keeps the client
 * credentials in Autopilot's store, the secret sealed; all or nothing. `hubUrl` is where people and Autopilot reach
 * the hub (its OAuth issuer and Graph), and where Autopilot's callback is served.
 */
export async function registerAutopilotApp(hub: Hub, autopilot: Autopilot, input: { hubUrl: string; businessName?: string; appName?: string }): Promise<AutopilotRegistration> {
  const hubUrl = input.hubUrl.replace(/\/+$/, "");
  const redirectUri = `${hubUrl}${CALLBACK_PATH}`;
  const businessName = input.businessName ?? "Autopilot";
  const { business, app, clientSecret } = await hub.inOneTransaction(async () => {
    const business = await hub.businesses.createBusiness(operatorContext(), { name: businessName });
    await hub.businesses.createSystemUser(operatorContext(), business.id, { name: `${businessName} Admin`, role: "ADMIN" });
    // Registered by the operator inside the same transaction (the new admin's role is not visible to
    // the access engine before it commits); the app belongs to Autopilot's business all the same.
    const registered = await hub.appRegistry.register(operatorContext(), {
      businessId: business.id,
      name: input.appName ?? "Autopilot",
      redirectUris: [redirectUri],
      scopes: [...AUTOPILOT_SCOPES],
      firstParty: true,
    });
    // Autopilot is this hub's own app, registered by its operator: the operator's review is this
    // registration, so the app and its business are verified (the consent page shows the verified
    // badge, and the access review raises no "unverified app with write scopes" against it), and
    // a person connecting it raises no security alert (securityRules.ts).
    await hub.businesses.updateBusiness(operatorContext(), business.id, { verificationStatus: "verified" });
    await hub.appRegistry.setReviewStatus(operatorContext(), registered.app.id, "verified");
    return { business, ...registered };
  });
  const client = await autopilot.connect.saveClient({ issuer: hubUrl, graphUrl: hubUrl, clientId: app.id, clientSecret, redirectUri });
  return { business_id: business.id, client_id: client.client_id, redirect_uri: client.redirect_uri, issuer: client.issuer };
}

/** The demo's registration: kept while the hub's URL stays the same, made again when it moved. */
export async function ensureAutopilotApp(hub: Hub, autopilot: Autopilot, hubUrl: string): Promise<{ client: OAuthClientView; created: boolean }> {
  const current = await autopilot.connect.client();
  if (current && current.redirect_uri === `${hubUrl.replace(/\/+$/, "")}${CALLBACK_PATH}`) return { client: current, created: false };
  await registerAutopilotApp(hub, autopilot, { hubUrl });
  return { client: (await autopilot.connect.client())!, created: true };
}

/**
 * The app configured for Autopilot (GRANTLINE_AUTOPILOT_APP_ID and the rest: Meta's Facebook Login
 * and Graph), registered as its OAuth client unless the one in use is already that app. `serverUrl`
 * is where this server is reached, for the default callback.
 */
export async function ensureConfiguredApp(autopilot: Autopilot, app: NonNullable<Config["autopilotApp"]>, serverUrl: string): Promise<{ client: OAuthClientView; created: boolean }> {
  return autopilot.connect.ensureClient({
    authorizationEndpoint: app.dialogUrl,
    tokenEndpoint: app.tokenUrl,
    graphUrl: app.graphUrl,
    clientId: app.appId,
    clientSecret: app.appSecret,
    redirectUri: app.redirectUri ?? `${serverUrl.replace(/\/+$/, "")}${CALLBACK_PATH}`,
  });
}
