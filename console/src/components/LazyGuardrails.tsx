import { Loader } from "@mantine/core";
import { lazy, Suspense, type ComponentProps, type ComponentType } from "react";

/**
 * The guardrail components, loaded when a page first shows one: the editor and its pickers are
 * only for ad accounts shared with partners, so they stay out of the console's first load.
 */
const load = () => import("./Guardrails.tsx");

function deferred<P extends object>(pick: (module: Awaited<ReturnType<typeof load>>) => ComponentType<P>, what: string): ComponentType<P> {
  const Component = lazy(async () => ({ default: pick(await load()) }));
  return function Deferred(props: P) {
    return (
      <Suspense fallback={<Loader size="sm" role="status" aria-label={`Loading ${what}`} />}>
        <Component {...props} />
      </Suspense>
    );
  };
}

type Module = Awaited<ReturnType<typeof load>>;

export const PartnerGuardrails = deferred<ComponentProps<Module["PartnerGuardrails"]>>((m) => m.PartnerGuardrails, "guardrails");
export const AccountGuardrails = deferred<ComponentProps<Module["AccountGuardrails"]>>((m) => m.AccountGuardrails, "partner guardrails");
export const HeldChanges = deferred<ComponentProps<Module["HeldChanges"]>>((m) => m.HeldChanges, "changes waiting for approval");
export const OfferGuardrails = deferred<ComponentProps<Module["OfferGuardrails"]>>((m) => m.OfferGuardrails, "guardrails");
