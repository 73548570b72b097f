import { errors } from "../errors.ts";
import { paramText } from "./params.ts";

/**
 * One name of a `fields` list as Meta's field expansion writes it: `name`, `name{a,b}`,
 * `name.limit(5){a}`, `name{a}.limit(5)`, nested to any depth.
 * https://developers.facebook.com/docs/graph-api/field-expansion
 */
export interface FieldNode {
  name: string;
  /** The sub-selection of `name{…}`; undefined when none was written. */
  children?: readonly FieldNode[];
  /** The sub-selection as written (without braces), for the paging links of an expanded edge. */
  childrenText?: string;
  /** Modifiers such as `.limit(5)` or `.date_preset(last_7d)`, by name. */
  modifiers: Record<string, string>;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Parsed selections by text: clients repeat the same few `fields` on every call of a poll. */
const parsedByText = new Map<string, readonly FieldNode[] | undefined>();
const PARSED_LIMIT = 500;
/** Longer texts are parsed each time, so that what is kept stays small. */
const KEPT_TEXT_LENGTH = 2000;

/**
 * Parses a `fields` value; a malformed one is error #100 naming where it went wrong. The nodes are
 * frozen and may be shared between requests asking for the same text.
 */
export function parseFieldSelection(value: unknown): readonly FieldNode[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const text = Array.isArray(value) ? value.map(paramText).join(",") : paramText(value);
  const kept = parsedByText.get(text);
  if (kept !== undefined || parsedByText.has(text)) return kept;
  const parsed = parseText(text);
  if (parsed) deepFreeze(parsed);
  if (text.length > KEPT_TEXT_LENGTH) return parsed;
  if (parsedByText.size >= PARSED_LIMIT) parsedByText.clear();
  parsedByText.set(text, parsed);
  return parsed;
}

function deepFreeze(nodes: readonly FieldNode[]): void {
  for (const node of nodes) {
    Object.freeze(node.modifiers);
    if (node.children) deepFreeze(node.children);
    Object.freeze(node);
  }
  Object.freeze(nodes);
}

function parseText(text: string): FieldNode[] | undefined {
  let at = 0;
  const fail = (detail: string): never => {
    throw errors.fieldsSyntax(detail, at, text);
  };
  const space = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const name = (): string => {
    space();
    NAME.lastIndex = at;
    const match = NAME.exec(text);
    if (!match) fail(`Expected a field name instead of "${text[at] ?? "end of string"}".`);
    at += match![0].length;
    return match![0];
  };
  const modifier = (node: FieldNode) => {
    at++; // "."
    const key = name();
    space();
    if (text[at] !== "(") fail(`Expected "(" after .${key}.`);
    const close = text.indexOf(")", at);
    if (close < 0) fail(`Expected ")" to close .${key}(.`);
    node.modifiers[key] = text.slice(at + 1, close).trim();
    at = close + 1;
  };
  const list = (closing: string | undefined): FieldNode[] => {
    const nodes: FieldNode[] = [];
    for (;;) {
      space();
      // Meta tolerates empty items (`a,,b` and a trailing comma).
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (at >= text.length || text[at] === closing) break;
      const node: FieldNode = { name: name(), modifiers: {} };
      for (;;) {
        space();
        if (text[at] === ".") modifier(node);
        else if (text[at] === "{") {
          if (node.children) fail(`Unexpected "{" after the sub-fields of ${node.name}.`);
          at++;
          const start = at;
          node.children = list("}");
          if (text[at] !== "}") fail(`Expected "}" to close ${node.name}{.`);
          node.childrenText = text.slice(start, at).trim();
          at++;
        } else break;
      }
      nodes.push(node);
      space();
      if (at >= text.length || text[at] === closing) break;
      if (text[at] !== ",") fail(`Expected "," or end of string instead of "${text[at]}".`);
      at++;
    }
    return nodes;
  };
  const nodes = list(undefined);
  if (at < text.length) fail(`Unexpected "${text[at]}".`);
  return nodes.length > 0 ? nodes : undefined;
}

/** Whether a field asks for more than its own value: sub-fields or modifiers. */
export function isExpansion(node: FieldNode): boolean {
  return node.children !== undefined || Object.keys(node.modifiers).length > 0;
}
