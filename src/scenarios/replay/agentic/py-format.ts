/**
 * The Python string behaviour inference-perf 0.7.0's synthetic_agentic text depends on, so kneepoint renders the
 * same bytes: `str.format` / `string.Formatter().parse` over plain `{name}` fields with `{{`/`}}` escapes,
 * `json.dumps` (", " and ": " separators, ensure_ascii), `str.split()` and the character classes
 * (`isupper`, `isdigit`, `isalpha`, `isspace`). Pure.
 */

export type FormatPart = { literal: string } | { field: string };

/** `string.Formatter().parse(tpl)` for plain fields; null when the template is malformed (Python raises ValueError). */
export function parseFormat(tpl: string): FormatPart[] | null {
  const parts: FormatPart[] = [];
  let lit = "";
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c === "{" && tpl[i + 1] === "{") {
      lit += "{";
      i++;
    } else if (c === "}" && tpl[i + 1] === "}") {
      lit += "}";
      i++;
    } else if (c === "{") {
      const end = tpl.indexOf("}", i);
      if (end === -1) return null;
      if (lit) parts.push({ literal: lit });
      lit = "";
      parts.push({ field: tpl.slice(i + 1, end) });
      i = end;
    } else if (c === "}") {
      return null;
    } else lit += c;
  }
  if (lit) parts.push({ literal: lit });
  return parts;
}

/** The distinct field names of `tpl`, in first-appearance order. */
export function formatFields(tpl: string): string[] {
  const seen: string[] = [];
  for (const p of parseFormat(tpl) ?? []) if ("field" in p && p.field && !seen.includes(p.field)) seen.push(p.field);
  return seen;
}

/** `tpl.format_map(values)`; null where Python raises (a missing key, a malformed template). */
export function formatMap(tpl: string, values: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string | null {
  const parts = parseFormat(tpl);
  if (parts === null) return null;
  const get = (k: string): string | undefined => (values instanceof Map ? values.get(k) : (values as Record<string, string>)[k]);
  let out = "";
  for (const p of parts) {
    if ("literal" in p) out += p.literal;
    else {
      const v = get(p.field);
      if (v === undefined) return null;
      out += v;
    }
  }
  return out;
}

function quote(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || (ensureAscii && code >= 0x7f && code <= 0xffff)) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else if (ensureAscii && code > 0xffff) {
      const v = code - 0x10000;
      out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
    } else out += ch;
  }
  return out + '"';
}

/** Python `json.dumps(value)` (`ensure_ascii` as given, default true), for the JSON values the generator builds. */
export function pyJsonDumps(value: unknown, ensureAscii = true): string {
  const dumps = (v: unknown): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return quote(v, ensureAscii);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
    if (Array.isArray(v)) return `[${v.map(dumps).join(", ")}]`;
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${quote(k, ensureAscii)}: ${dumps(x)}`).join(", ")}}`;
  };
  return dumps(value);
}

function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** `str(value)` for the scalars a tool argument holds. */
export function pyStr(value: unknown): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === null || value === undefined) return "None";
  return typeof value === "string" ? value : typeof value === "number" ? (Number.isInteger(value) ? String(value) : pyFloatRepr(value)) : pyJsonDumps(value);
}

/** Python's whitespace (`str.isspace`): JS's \s without U+FEFF, plus the separators U+001C–U+001F and U+0085. */
const WS_CLASS = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const WS = new RegExp(`[${WS_CLASS}]+`, "u");
const ONE_WS = new RegExp(`^[${WS_CLASS}]$`, "u");
/** `s.split()`: on runs of whitespace, no empty words. */
export function pySplit(s: string): string[] {
  return s.split(WS).filter((w) => w !== "");
}
export const isSpace = (c: string): boolean => ONE_WS.test(c);
export const isDigit = (c: string): boolean => /^\p{Nd}$/u.test(c);
export const isAlpha = (c: string): boolean => /^\p{L}$/u.test(c);
/** `s.isupper()`: at least one cased character, and no lower-case one. */
export const isUpper = (s: string): boolean => s.toUpperCase() === s && s.toLowerCase() !== s;
