/**
 * Python's `json.dumps` reproduced for the files kneepoint writes in inference-perf's name, so a reader sees the
 * bytes and the types inference-perf writes (kubernetes-sigs/inference-perf client/filestorage/local.py
 * `json.dumps(contents, indent=2)`, s3.py/gcs.py `json.dumps(contents)`, openai_client.py
 * `request_data = json.dumps(payload)`):
 *  - separators: `", "` and `": "` without indent; with indent, `","` at line ends and `": "`;
 *  - ensure_ascii: every character outside `' '…'~'` is escaped — `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, else
 *    `\u00xx` (lower-case hex; DEL 0x7f included) and one `\uXXXX` per UTF-16 code unit (surrogate pairs as two);
 *  - numbers: Python keeps int and float apart, JSON from JS does not (3.0 is written `3`). The caller says which
 *    numbers are floats (`numberType`); a float is written as Python's `repr(float)`: shortest round-trip digits,
 *    always with a `.0` or an exponent (`3.0`, `1e-05`, `1e+16`, `0.0001`), NaN/Infinity as `NaN`/`Infinity`.
 * Key order is the object's insertion order (JSON.parse keeps a document's order, except integer-like keys,
 * which JavaScript moves first).
 */

export type NumberType = "int" | "float";
/** Whether the number at `path` (object keys and array indices from the root) is a Python int or float. */
export type NumberTypeOf = (path: readonly (string | number)[], value: number) => NumberType;

export interface PythonJsonOptions {
  /** json.dumps(indent=…); undefined: one line with Python's default separators. */
  indent?: number;
  /** Default: integers are ints, everything else floats. */
  numberType?: NumberTypeOf;
}

/** Python's `repr(x)` of a float. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest digits that round-trip, as Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac === "" ? "0" : frac}`;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

/** Python's `json.dumps(s)` (ensure_ascii=True) of a string. */
export function pythonJsonString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/[^ -~]|["\\]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** Python's own view of a value written from JS: whole numbers are ints, the rest floats. */
export const defaultNumberType: NumberTypeOf = (_path, v) => (Number.isInteger(v) ? "int" : "float");

function pythonNumber(v: number, type: NumberType): string {
  if (type === "int" && Number.isInteger(v)) return BigInt(v).toString();
  return pythonFloatRepr(v);
}

/** Python's `json.dumps(value, indent=…)`. `undefined` members of objects are left out, as JSON.stringify does. */
export function pythonJsonDumps(value: unknown, opts: PythonJsonOptions = {}): string {
  const numberType = opts.numberType ?? defaultNumberType;
  const indent = opts.indent;
  const path: (string | number)[] = [];

  const write = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return pythonNumber(v, numberType(path, v));
    if (typeof v === "string") return pythonJsonString(v);
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") return write((v as { toJSON(): unknown }).toJSON(), depth);
    const inner = indent === undefined ? "" : "\n" + " ".repeat(indent * (depth + 1));
    const outer = indent === undefined ? "" : "\n" + " ".repeat(indent * depth);
    const sep = indent === undefined ? ", " : ",";
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const items = Array.from(v as ArrayLike<unknown>);
      if (items.length === 0) return "[]";
      const parts = items.map((item, i) => {
        path.push(i);
        const text = write(item, depth + 1);
        path.pop();
        return inner + text;
      });
      return `[${parts.join(sep)}${outer}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return "{}";
    const parts = entries.map(([k, x]) => {
      path.push(k);
      const text = write(x, depth + 1);
      path.pop();
      return `${inner}${pythonJsonString(k)}: ${text}`;
    });
    return `{${parts.join(sep)}${outer}}`;
  };
  return write(value, 0);
}

/** The UTF-8 byte length of Python's `json.dumps(value)` (all ASCII with ensure_ascii, so its character count). */
export function pythonJsonDumpsBytes(value: unknown, opts: PythonJsonOptions = {}): number {
  return pythonJsonDumps(value, opts).length;
}
