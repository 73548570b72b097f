import "@mantine/core/styles.css";
import "./console.css";
import { createTheme, MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";
import { GraphError } from "./shared/api.ts";
import { AppLayout, BusinessHome } from "./layout.tsx";
import { SessionProvider } from "./shared/session.tsx";
import { LoginPage } from "./features/account/LoginPage.tsx";
import { InvitationPage } from "./features/people/InvitationPage.tsx";
import { BusinessInfoPage } from "./features/business/BusinessInfoPage.tsx";
import { PeoplePage } from "./features/people/PeoplePage.tsx";
import { SystemUsersPage } from "./features/people/SystemUsersPage.tsx";
import { PartnersPage } from "./features/partners/PartnersPage.tsx";
import { PartnerDetailPage } from "./features/partners/PartnerDetailPage.tsx";
import { RequestsPage } from "./features/partners/RequestsPage.tsx";
import { AssetsPage } from "./features/assets/AssetsPage.tsx";
import { AssetDetailPage } from "./features/assets/AssetDetailPage.tsx";
import { AuditLogPage } from "./features/security/AuditLogPage.tsx";
import { NotFoundPage } from "./shared/NotFoundPage.tsx";
import { AutopilotPage } from "./features/autopilot/AutopilotPage.tsx";
import { AutopilotQueuePage } from "./features/autopilot/AutopilotQueuePage.tsx";
import { AutopilotLogPage } from "./features/autopilot/AutopilotLogPage.tsx";
import { AutopilotSettingsPage } from "./features/autopilot/AutopilotSettingsPage.tsx";
import { AppsPage, MyAppsPage } from "./features/security/AppsPage.tsx";
import { AccessReviewPage } from "./features/security/AccessReviewPage.tsx";
import { ReviewCampaignPage } from "./features/security/ReviewCampaignPage.tsx";
import { AlertsPage } from "./features/security/AlertsPage.tsx";
import { TroubleshootPage } from "./features/assets/TroubleshootPage.tsx";
import { TwoFactorPage, TwoFactorSetupPage } from "./features/account/TwoFactorPage.tsx";
import { deferred } from "./shared/LazyPage.tsx";

// Pages few people open load on first use, outside the console's first load.
const AutopilotPilotsPage = deferred(async () => (await import("./features/autopilot/AutopilotPilotsPage.tsx")).AutopilotPilotsPage, "pilots");
const AutopilotCreativesPage = deferred(async () => (await import("./features/autopilot/AutopilotCreativesPage.tsx")).AutopilotCreativesPage, "creative standings");
const GraphReviewPage = deferred(async () => (await import("./features/security/GraphReviewPage.tsx")).GraphReviewPage, "the review of a Meta business");

const theme = createTheme({
  primaryColor: "indigo",
  // Darker shades keep text on filled buttons above 4.5:1 contrast.
  primaryShade: 8,
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  focusRing: "always",
  // People who ask their system for less motion get dialogs and drawers without transitions.
  respectReducedMotion: true,
  defaultRadius: "md",
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof GraphError && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
      staleTime: 0,
    },
  },
});

const router = createBrowserRouter(
  [
    { path: "/login", element: <LoginPage /> },
    { path: "/two-factor-setup", element: <TwoFactorSetupPage /> },
    { path: "/invitation", element: <InvitationPage /> },
    {
      path: "/",
      element: <AppLayout />,
      children: [
        { index: true, element: <BusinessHome /> },
        { path: "b/:businessId", element: <Navigate to="info" replace /> },
        { path: "b/:businessId/info", element: <BusinessInfoPage /> },
        { path: "b/:businessId/people", element: <PeoplePage /> },
        { path: "b/:businessId/system-users", element: <SystemUsersPage /> },
        { path: "b/:businessId/partners", element: <PartnersPage /> },
        { path: "b/:businessId/partners/:partnerId", element: <PartnerDetailPage /> },
        { path: "b/:businessId/requests", element: <RequestsPage /> },
        { path: "b/:businessId/assets", element: <AssetsPage /> },
        { path: "b/:businessId/assets/:assetType/:assetId", element: <AssetDetailPage /> },
        { path: "b/:businessId/security/audit", element: <AuditLogPage /> },
        { path: "b/:businessId/autopilot", element: <AutopilotPage /> },
        { path: "b/:businessId/autopilot/queue", element: <AutopilotQueuePage /> },
        { path: "b/:businessId/autopilot/log", element: <AutopilotLogPage /> },
        { path: "b/:businessId/autopilot/creatives", element: <AutopilotCreativesPage /> },
        { path: "b/:businessId/autopilot/pilots", element: <AutopilotPilotsPage /> },
        { path: "b/:businessId/autopilot/settings", element: <AutopilotSettingsPage /> },
        { path: "b/:businessId/apps", element: <AppsPage /> },
        { path: "b/:businessId/security/review", element: <AccessReviewPage /> },
        { path: "b/:businessId/security/review/campaigns/:campaignId", element: <ReviewCampaignPage /> },
        { path: "b/:businessId/security/review/graph", element: <GraphReviewPage /> },
        { path: "b/:businessId/security/alerts", element: <AlertsPage /> },
        { path: "b/:businessId/security/troubleshoot", element: <TroubleshootPage /> },
        { path: "account/two-factor", element: <TwoFactorPage /> },
        { path: "account/apps", element: <MyAppsPage /> },
        { path: "*", element: <NotFoundPage /> },
      ],
    },
  ],
  { basename: "/console" },
);

/**
 * The nonce the hub gave this page (its CSP allows no other inline style): Mantine writes its theme
 * as <style> elements. Read through the property, as browsers hide the attribute from scripts.
 */
const cspNonce = () => document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? "";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light" getStyleNonce={cspNonce}>
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
