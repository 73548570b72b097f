import { useParams } from "react-router";
import { useSession } from "./session.tsx";

/** The business from the URL and the signed-in person's role in it. */
export function useBusiness(): { businessId: string; role: string | undefined; isAdmin: boolean; name: string | undefined } {
  const { businessId = "" } = useParams();
  const { session } = useSession();
  const mine = session?.businesses.find((b) => b.id === businessId);
  return { businessId, role: mine?.role, isAdmin: mine?.role === "ADMIN", name: mine?.name };
}
