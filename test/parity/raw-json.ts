/**
 * JSON read the way Python's json.load sees it: key order kept, and every number keeps its text, so `3` (an int to
 * Python) and `3.0` (a float) stay different. JSON.parse loses both facts (it makes `3.0` the number 3), and the
 * parity test must tell them apart: a report that writes `"requested_rate": 3` where inference-perf writes `3.0`
 * hands a Python reader an int. Python's decoder also accepts NaN, Infinity and -Infinity (json.dumps writes them
 * for nan/inf floats), so this parser does too, as floats.
 */

export type RawJson =
  | { kind: "object"; entries: [string, RawJson][] }
  | { kind: "array"; items: RawJson[] }
  | { kind: "number"; text: string }
  | { kind: "string"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "null" };

/** The type Python's json.load gives a value: int and float are different types there. */
export type PythonJsonType = "object" | "array" | "int" | "float" | "string" | "bool" | "null";

export function pythonType(node: RawJson): PythonJsonType {
  if (node.kind !== "number") return node.kind;
  // json.load: a number literal with a fraction or an exponent is a float, otherwise an int; NaN/Infinity are floats.
  return /^-?\d+$/.test(node.text) ? "int" : "float";
}

export class RawJsonError extends Error {}

/** Parses JSON text (plus Python's NaN/Infinity/-Infinity), keeping key order and number text. */
export function parseRawJson(text: string): RawJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new RawJsonError(`${what} at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
  };
  const skipWhitespace = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const literal = (word: string): boolean => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return true;
    }
    return false;
  };
  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const parseValue = (): RawJson => {
    skipWhitespace();
    const c = text[i];
    if (c === "{") {
      i++;
      const entries: [string, RawJson][] = [];
      skipWhitespace();
      if (text[i] === "}") return i++, { kind: "object", entries };
      for (;;) {
        skipWhitespace();
        if (text[i] !== '"') fail("expected a key");
        const key = parseString();
        skipWhitespace();
        if (text[i++] !== ":") fail("expected ':'");
        entries.push([key, parseValue()]);
        skipWhitespace();
        const sep = text[i++];
        if (sep === "}") return { kind: "object", entries };
        if (sep !== ",") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const items: RawJson[] = [];
      skipWhitespace();
      if (text[i] === "]") return i++, { kind: "array", items };
      for (;;) {
        items.push(parseValue());
        skipWhitespace();
        const sep = text[i++];
        if (sep === "]") return { kind: "array", items };
        if (sep !== ",") fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: "string", value: parseString() };
    if (literal("true")) return { kind: "bool", value: true };
    if (literal("false")) return { kind: "bool", value: false };
    if (literal("null")) return { kind: "null" };
    for (const word of ["NaN", "Infinity", "-Infinity"]) if (literal(word)) return { kind: "number", text: word };
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("expected a value");
    i += m[0].length;
    return { kind: "number", text: m[0] };
  };
  const value = parseValue();
  skipWhitespace();
  if (i !== text.length) fail("trailing text");
  return value;
}

/** The node at a key of an object node, or undefined. */
export function member(node: RawJson | undefined, key: string): RawJson | undefined {
  if (node?.kind !== "object") return undefined;
  return node.entries.find(([k]) => k === key)?.[1];
}

/** Follows keys from a node; undefined as soon as one is missing. */
export function at(node: RawJson | undefined, ...keys: string[]): RawJson | undefined {
  return keys.reduce<RawJson | undefined>((n, k) => member(n, k), node);
}

/** The number a node holds (NaN for NaN), or undefined when it is not a number. */
export function numberOf(node: RawJson | undefined): number | undefined {
  if (node?.kind !== "number") return undefined;
  return node.text === "NaN" ? NaN : Number(node.text);
}

/** A short rendering of a value for a difference message: scalars as written, containers summarized. */
export function renderValue(node: RawJson | undefined, max = 80): string {
  if (node === undefined) return "(absent)";
  switch (node.kind) {
    case "number":
      return node.text;
    case "string": {
      const s = JSON.stringify(node.value);
      return s.length > max ? `${s.slice(0, max - 3)}…"` : s;
    }
    case "bool":
      return String(node.value);
    case "null":
      return "null";
    case "array":
      return `[${node.items.length} items]`;
    case "object": {
      const keys = node.entries.map(([k]) => k).join(", ");
      return keys.length > max ? `{${keys.slice(0, max - 3)}…}` : `{${keys}}`;
    }
  }
}
