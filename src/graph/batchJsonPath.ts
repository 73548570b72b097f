/**
 * The JSONPath subset Graph batch requests use to feed one operation's result into another
 * (`{result=get-campaigns:$.data.*.id}`): `$`, `.name`, `['name']`, `[n]`, `.*` and `[*]`.
 * Filters and scripts are refused, as Meta refuses them.
 */
export function evaluateJsonPath(document: unknown, path: string): unknown[] | undefined {
  const steps = parseSteps(path);
  if (!steps) return undefined;
  let current: unknown[] = [document];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== "object") continue;
      if (step === "*") next.push(...(Array.isArray(value) ? value : Object.values(value)));
      else if (typeof step === "number") {
        if (Array.isArray(value) && step < value.length) next.push(value[step]);
      } else if (!Array.isArray(value) && Object.hasOwn(value, step)) next.push((value as Record<string, unknown>)[step]);
    }
    current = next;
  }
  return current;
}

function parseSteps(path: string): (string | number)[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const steps: (string | number)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    let match: RegExpMatchArray | null;
    if ((match = /^\.\*/.exec(rest)) || (match = /^\[\*\]/.exec(rest))) steps.push("*");
    else if ((match = /^\.([A-Za-z_][\w-]*)/.exec(rest))) steps.push(match[1]!);
    else if ((match = /^\[(\d+)\]/.exec(rest))) steps.push(Number(match[1]));
    else if ((match = /^\['([^']*)'\]/.exec(rest)) || (match = /^\["([^"]*)"\]/.exec(rest))) steps.push(match[1]!);
    else return undefined;
    rest = rest.slice(match[0].length);
  }
  return steps;
}

/** A value as it goes into a URL or form: strings as they are, everything else as JSON. */
export function referenceText(values: unknown[]): string {
  return values.map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(",");
}
