/**
 * A named background task run again and again until stopped: each run reports whether more work
 * is waiting (then the next run starts at once) or not (then it waits `intervalMs`). A run that
 * throws is reported and the loop carries on. stop() waits for the run in progress.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly run: () => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly onError?: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const run = this.run();
      this.running = run;
      run
        .then((more) => this.schedule(more ? 0 : this.intervalMs))
        .catch((error: unknown) => {
          this.onError?.(error);
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
