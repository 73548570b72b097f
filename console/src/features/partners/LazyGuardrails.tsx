import type { ComponentProps } from "react";
import { deferred } from "../../shared/LazyPage.tsx";

/**
 * The guardrail components, loaded when a page first shows one: the editor and its pickers are
 * only for ad accounts shared with partners, so they stay out of the console's first load.
 */
const load = () => import("./Guardrails.tsx");

type Module = Awaited<ReturnType<typeof load>>;

export const PartnerGuardrails = deferred<ComponentProps<Module["PartnerGuardrails"]>>(async () => (await load()).PartnerGuardrails, "guardrails");
export const AccountGuardrails = deferred<ComponentProps<Module["AccountGuardrails"]>>(async () => (await load()).AccountGuardrails, "partner guardrails");
export const HeldChanges = deferred<ComponentProps<Module["HeldChanges"]>>(async () => (await load()).HeldChanges, "changes waiting for approval");
export const OfferGuardrails = deferred<ComponentProps<Module["OfferGuardrails"]>>(async () => (await load()).OfferGuardrails, "guardrails");
