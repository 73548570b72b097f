import { useMutation, useQueryClient, type QueryKey, type UseMutationResult } from "@tanstack/react-query";
import { useRef, type FormEvent } from "react";

/**
 * A change through the Graph API that refreshes what it affects: the queries under the given keys,
 * or every query when none are given (a partner or access change shows up on many pages).
 */
export function useGraphMutation<TVariables = void, TData = unknown>(
  mutationFn: (variables: TVariables) => Promise<TData>,
  options: { invalidate?: QueryKey[]; onSuccess?: (data: TData, variables: TVariables) => void } = {},
): UseMutationResult<TData, Error, TVariables> {
  const queryClient = useQueryClient();
  return useMutation<TData, Error, TVariables>({
    mutationFn,
    onSuccess: async (data, variables) => {
      options.onSuccess?.(data, variables);
      if (options.invalidate) await Promise.all(options.invalidate.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      else await queryClient.invalidateQueries();
    },
  });
}

/**
 * A form's submit handler that sends the mutation once: a second submit (a double click, Enter
 * pressed twice) while the first request is on its way does nothing. The flag is a ref, so even two
 * submits in the same frame, before React shows the button disabled, send one request.
 */
export function useSubmitOnce<TVariables>(mutation: UseMutationResult<unknown, Error, TVariables>, variables?: () => TVariables): (event?: FormEvent) => void {
  const busy = useRef(false);
  return (event?: FormEvent) => {
    event?.preventDefault();
    if (busy.current || mutation.isPending) return;
    busy.current = true;
    mutation.mutate(variables ? variables() : (undefined as TVariables), {
      onSettled: () => {
        busy.current = false;
      },
    });
  };
}
