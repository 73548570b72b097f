/** True when dist/console is missing or older than the console's sources or package-lock.json. */
export function consoleBuildIsStale(): boolean;
/** Production build of the console into dist/console. */
export function buildConsole(): Promise<void>;
