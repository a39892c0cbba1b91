/**
 * Python's `json.dumps(value)` with its defaults (ensure_ascii, separators ", " and ": "), for texts 0.7.0 builds
 * from recorded JSON (a tool call's arguments object flattened into a message's text). Keys keep their order.
 * Numbers print as JavaScript prints them: a recorded float such as 1.0 or 1e-05 reads back as 1 / 0.00001, where
 * Python would print 1.0 / 1e-05 (the flattened text, used only for matching and token estimates, then differs).
 */
function pyString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || (ensureAscii && c > 0x7e)) {
      const hex = (n: number) => `\\u${n.toString(16).padStart(4, "0")}`;
      if (c > 0xffff) {
        const v = c - 0x10000;
        out += hex(0xd800 + (v >> 10)) + hex(0xdc00 + (v & 0x3ff));
      } else out += hex(c);
    } else out += ch;
  }
  return `${out}"`;
}

export function pyJsonDumps(value: unknown, ensureAscii = true): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return pyString(value, ensureAscii);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v, ensureAscii)).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyString(k, ensureAscii)}: ${pyJsonDumps(v, ensureAscii)}`).join(", ")}}`;
  }
  return pyString(String(value), ensureAscii);
}
