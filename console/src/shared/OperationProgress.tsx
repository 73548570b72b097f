import { Progress, Stack, Text } from "@mantine/core";
import { useEffect, useState } from "react";

function useElapsedSeconds(running: boolean): number {
  const [started, setStarted] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) {
      setStarted(null);
      return;
    }
    const start = Date.now();
    setStarted(start);
    setNow(start);
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);
  return started === null ? 0 : Math.max(0, Math.floor((now - started) / 1000));
}

/**
 * A long operation's progress: a bar with the share done when the server reports it, otherwise an
 * honest "working" bar with the time elapsed (the server's answer for that call comes all at once).
 */
export function OperationProgress({ running, label, done, total }: { running: boolean; label: string; done?: number; total?: number }) {
  const elapsed = useElapsedSeconds(running);
  if (!running) return null;
  const known = done !== undefined && total !== undefined && total > 0;
  const value = known ? Math.round((done / total) * 100) : 100;
  return (
    <Stack gap={4} my="sm" data-testid="operation-progress">
      {/* One progressbar, on the root: Mantine's section would otherwise claim 100% while the work is unmeasured. */}
      <Progress.Root
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={known ? value : undefined}
        aria-valuetext={known ? `${done} of ${total}` : `Working, ${elapsed} seconds so far`}
      >
        <Progress.Section value={value} withAria={false} animated={!known} striped={!known} />
      </Progress.Root>
      <Text size="sm" role="status">
        {label}: {known ? `${done} of ${total}` : "working"} · {elapsed} s
      </Text>
    </Stack>
  );
}
