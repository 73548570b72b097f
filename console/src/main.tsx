import "@mantine/core/styles.css";
import "./console.css";
import { createTheme, MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";
import { GraphError } from "./api.ts";
import { AppLayout, BusinessHome } from "./layout.tsx";
import { SessionProvider } from "./session.tsx";
import { LoginPage } from "./pages/LoginPage.tsx";
import { InvitationPage } from "./pages/InvitationPage.tsx";
import { BusinessInfoPage } from "./pages/BusinessInfoPage.tsx";
import { PeoplePage } from "./pages/PeoplePage.tsx";
import { SystemUsersPage } from "./pages/SystemUsersPage.tsx";
import { PartnersPage } from "./pages/PartnersPage.tsx";
import { PartnerDetailPage } from "./pages/PartnerDetailPage.tsx";
import { RequestsPage } from "./pages/RequestsPage.tsx";
import { AssetsPage } from "./pages/AssetsPage.tsx";
import { AssetDetailPage } from "./pages/AssetDetailPage.tsx";
import { AuditLogPage } from "./pages/AuditLogPage.tsx";
import { NotFoundPage } from "./pages/NotFoundPage.tsx";
import { AutopilotPage } from "./pages/AutopilotPage.tsx";
import { AutopilotQueuePage } from "./pages/AutopilotQueuePage.tsx";
import { AutopilotLogPage } from "./pages/AutopilotLogPage.tsx";
import { AutopilotSettingsPage } from "./pages/AutopilotSettingsPage.tsx";
import { AppsPage, MyAppsPage } from "./pages/AppsPage.tsx";
import { AccessReviewPage } from "./pages/AccessReviewPage.tsx";
import { ReviewCampaignPage } from "./pages/ReviewCampaignPage.tsx";
import { AlertsPage } from "./pages/AlertsPage.tsx";
import { TroubleshootPage } from "./pages/TroubleshootPage.tsx";
import { TwoFactorPage, TwoFactorSetupPage } from "./pages/TwoFactorPage.tsx";
import { deferred } from "./components/LazyPage.tsx";

// Pages few people open load on first use, outside the console's first load.
const AutopilotPilotsPage = deferred(async () => (await import("./pages/AutopilotPilotsPage.tsx")).AutopilotPilotsPage, "pilots");
const AutopilotCreativesPage = deferred(async () => (await import("./pages/AutopilotCreativesPage.tsx")).AutopilotCreativesPage, "creative standings");
const GraphReviewPage = deferred(async () => (await import("./pages/GraphReviewPage.tsx")).GraphReviewPage, "the review of a Meta business");

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
