import { Loader } from "@mantine/core";
import { lazy, Suspense, type ComponentType } from "react";

/**
 * A component loaded when it is first shown, kept out of the console's first load (pages few
 * people open, and wizards); a labelled loader stands in while it loads.
 */
export function deferred<P extends object>(load: () => Promise<ComponentType<P>>, what: string): ComponentType<P> {
  const Component = lazy(async () => ({ default: await load() }));
  return function Deferred(props: P) {
    return (
      <Suspense fallback={<Loader size="sm" role="status" aria-label={`Loading ${what}`} />}>
        <Component {...props} />
      </Suspense>
    );
  };
}
