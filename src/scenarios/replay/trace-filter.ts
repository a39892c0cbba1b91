/**
 * `data.otel_trace_replay.filter` (and `data.weka_trace_replay.filter`, weka-trace-files.ts): in inference-perf 0.7.0 a Python lambda's source, `eval`-ed and applied to every
 * trace record (otel_trace_utils.py `_compile_filter`, `Dataset.filter`); its documented examples are
 * `lambda x: x['benchmark'] == 'gsm8k'` and `lambda x: 'spans' in x and len(x['spans']) > 5`. kneepoint runs no
 * Python: it parses a safe subset of Python expressions and evaluates it with Python's semantics —
 *   lambda x: <expr>, where <expr> is made of
 *   - the record and its items: x['key'], x['a'][0], x['spans'][-1]['name'], x.get('key'), x.get('key', default)
 *   - literals: 'text' "text", 12, -3.5, True, False, None, lists/tuples of them: ['a', 'b'] ('a', 'b')
 *   - len(...)
 *   - comparisons (chainable): == != < <= > >= in, not in, is None, is not None
 *   - and, or, not, parentheses.
 * No calls but len and .get, no attribute access, no arithmetic, no names but the lambda's parameter: what a
 * record filter needs, and nothing that could run code. Anything else is refused when the config is read, with
 * the column it stops at. A record the expression cannot be applied to (a missing key, comparing text with a
 * number) stops the run naming the record, as the Python error stops 0.7.0.
 * One difference, on purpose: 0.7.0 evals with `{"__builtins__": {}}`, so its own second example fails with
 * NameError: name 'len' is not defined; kneepoint gives len() the meaning the example documents.
 */
import { UsageError } from "../../errors.ts";

const OTEL_FIELD = "data.otel_trace_replay.filter";
const FORMS = "supported: lambda x: <expr> with x['key'], x['a'][0], x.get('key'[, default]), len(...), literals ('text', 12, True, False, None, [..], (..)), == != < <= > >= in, not in, is None, is not None, and, or, not, ( )";

type Value = unknown;
type Node =
  | { k: "param" }
  | { k: "lit"; v: Value }
  | { k: "seq"; items: Node[] }
  | { k: "index"; of: Node; at: Node }
  | { k: "get"; of: Node; key: Node; dflt: Node | null }
  | { k: "len"; of: Node }
  | { k: "not"; of: Node }
  | { k: "bool"; op: "and" | "or"; left: Node; right: Node }
  | { k: "cmp"; first: Node; rest: Array<{ op: string; right: Node }> };

interface Token {
  t: "name" | "str" | "num" | "op";
  v: string;
  col: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const col = i + 1;
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ t: "name", v: m, col });
      i += m.length;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))![0];
      out.push({ t: "num", v: m, col });
      i += m.length;
    } else if (c === "'" || c === '"') {
      let j = i + 1, s = "";
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === "\\") {
          const e = src[++j];
          s += e === "n" ? "\n" : e === "t" ? "\t" : e === "\\" || e === "'" || e === '"' ? e : `\\${e ?? ""}`;
        } else s += src[j];
      }
      if (j >= src.length) throw refuse("the string is not closed", col, src);
      out.push({ t: "str", v: s, col });
      i = j + 1;
    } else {
      const op = ["==", "!=", "<=", ">="].find((o) => src.startsWith(o, i)) ?? (/[<>[\](),:.-]/.test(c) ? c : null);
      if (op === null) throw refuse(`${JSON.stringify(c)} is not part of the supported subset`, col, src);
      out.push({ t: "op", v: op, col });
      i += op.length;
    }
  }
  return out;
}

/** An expression outside the subset; compileTraceFilter names the config key it came from. */
class Refusal extends Error {}

function refuse(what: string, col: number, src: string): Refusal {
  return new Refusal(`${what} (column ${col} of ${JSON.stringify(src)}); kneepoint evaluates a safe subset of Python lambdas, not Python`);
}

function parse(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = (v?: string) => toks[p] !== undefined && (v === undefined || (toks[p]!.v === v && toks[p]!.t !== "str"));
  const colAt = () => toks[p]?.col ?? src.length + 1;
  const expect = (v: string) => {
    if (!peek(v)) throw refuse(`expected ${JSON.stringify(v)}${toks[p] ? `, found ${JSON.stringify(toks[p]!.v)}` : " at the end"}`, colAt(), src);
    p++;
  };
  if (!peek("lambda")) throw refuse("must be a lambda of one parameter, like lambda x: x['benchmark'] == 'gsm8k'", colAt(), src);
  p++;
  const param = toks[p];
  if (param?.t !== "name") throw refuse("the lambda needs one parameter", colAt(), src);
  p++;
  expect(":");

  const orExpr = (): Node => {
    let left = andExpr();
    while (peek("or")) (p++, (left = { k: "bool", op: "or", left, right: andExpr() }));
    return left;
  };
  const andExpr = (): Node => {
    let left = notExpr();
    while (peek("and")) (p++, (left = { k: "bool", op: "and", left, right: notExpr() }));
    return left;
  };
  const notExpr = (): Node => (peek("not") ? (p++, { k: "not", of: notExpr() }) : comparison());
  const compOp = (): string | null => {
    for (const op of ["==", "!=", "<=", ">=", "<", ">", "in"]) if (peek(op)) return (p++, op);
    if (peek("not") && toks[p + 1]?.v === "in") return ((p += 2), "not in");
    if (peek("is")) {
      p++;
      const negated = peek("not") ? (p++, true) : false;
      if (!peek("None")) throw refuse("`is` is supported with None only (is None, is not None)", colAt(), src);
      return negated ? "is not" : "is";
    }
    return null;
  };
  const comparison = (): Node => {
    const first = primary();
    const rest: Array<{ op: string; right: Node }> = [];
    for (let op = compOp(); op !== null; op = compOp()) rest.push({ op, right: primary() });
    return rest.length ? { k: "cmp", first, rest } : first;
  };
  const primary = (): Node => {
    let node = atom();
    for (;;) {
      if (peek("[")) {
        p++;
        node = { k: "index", of: node, at: orExpr() };
        expect("]");
      } else if (peek(".")) {
        p++;
        if (!peek("get")) throw refuse("the only method supported is .get(key[, default])", colAt(), src);
        p++;
        expect("(");
        const key = orExpr();
        const dflt = peek(",") ? (p++, orExpr()) : null;
        expect(")");
        node = { k: "get", of: node, key, dflt };
      } else return node;
    }
  };
  const seq = (close: string): Node[] => {
    const items: Node[] = [];
    while (!peek(close)) {
      items.push(orExpr());
      if (!peek(close)) expect(",");
    }
    p++;
    return items;
  };
  const atom = (): Node => {
    const tok = toks[p];
    if (tok === undefined) throw refuse("the expression ends too soon", colAt(), src);
    p++;
    if (tok.t === "str") return { k: "lit", v: tok.v };
    if (tok.t === "num") return { k: "lit", v: Number(tok.v) };
    if (tok.t === "op" && tok.v === "-" && toks[p]?.t === "num") return { k: "lit", v: -Number(toks[p++]!.v) };
    if (tok.t === "op" && tok.v === "[") return { k: "seq", items: seq("]") };
    if (tok.t === "op" && tok.v === "(") {
      const first = peek(")") ? null : orExpr();
      if (first !== null && peek(")")) return (p++, first);
      return { k: "seq", items: first === null ? (p++, []) : (expect(","), [first, ...seq(")")]) };
    }
    if (tok.t === "name") {
      if (tok.v === param.v) return { k: "param" };
      if (tok.v === "True" || tok.v === "False") return { k: "lit", v: tok.v === "True" };
      if (tok.v === "None") return { k: "lit", v: null };
      if (tok.v === "len") {
        expect("(");
        const of = orExpr();
        expect(")");
        return { k: "len", of };
      }
    }
    throw refuse(`${JSON.stringify(tok.v)} is not part of the supported subset`, tok.col, src);
  };
  const node = orExpr();
  if (p < toks.length) throw refuse(`unexpected ${JSON.stringify(toks[p]!.v)}`, colAt(), src);
  return node;
}

class RecordError extends Error {}

const typeName = (v: Value) => (v === null ? "NoneType" : typeof v === "boolean" ? "bool" : typeof v === "number" ? (Number.isInteger(v) ? "int" : "float") : typeof v === "string" ? "str" : Array.isArray(v) ? "list" : "dict");
const num = (v: Value) => (typeof v === "boolean" ? Number(v) : v);
export const isDict = (v: Value): v is Record<string, Value> => v !== null && typeof v === "object" && !Array.isArray(v);

export function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== "";
}

function pyEqual(a: Value, b: Value): boolean {
  a = num(a);
  b = num(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  if (isDict(a) && isDict(b)) return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => k in b && pyEqual(a[k], b[k]));
  return a === b;
}

function compare(op: string, a: Value, b: Value): boolean {
  switch (op) {
    case "==":
      return pyEqual(a, b);
    case "!=":
      return !pyEqual(a, b);
    case "is":
      return a === null;
    case "is not":
      return a !== null;
    case "in":
    case "not in": {
      let found: boolean;
      if (typeof b === "string" && typeof a === "string") found = b.includes(a);
      else if (Array.isArray(b)) found = b.some((x) => pyEqual(a, x));
      else if (isDict(b) && typeof a === "string") found = a in b;
      else throw new RecordError(`'${op}' between ${typeName(a)} and ${typeName(b)}`);
      return op === "in" ? found : !found;
    }
    default: {
      const [x, y] = [num(a), num(b)];
      if (!((typeof x === "number" && typeof y === "number") || (typeof x === "string" && typeof y === "string"))) throw new RecordError(`'${op}' between ${typeName(a)} and ${typeName(b)}`);
      return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
    }
  }
}

function evaluate(n: Node, x: Value): Value {
  switch (n.k) {
    case "param":
      return x;
    case "lit":
      return n.v;
    case "seq":
      return n.items.map((i) => evaluate(i, x));
    case "len": {
      const v = evaluate(n.of, x);
      if (typeof v === "string") return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isDict(v)) return Object.keys(v).length;
      throw new RecordError(`len() of ${typeName(v)}`);
    }
    case "index": {
      const [of, at] = [evaluate(n.of, x), evaluate(n.at, x)];
      if (isDict(of)) {
        if (typeof at !== "string" || !(at in of)) throw new RecordError(`no key ${JSON.stringify(at)} (KeyError)`);
        return of[at];
      }
      if ((Array.isArray(of) || typeof of === "string") && typeof at === "number" && Number.isInteger(at)) {
        const items = typeof of === "string" ? [...of] : of;
        const i = at < 0 ? items.length + at : at;
        if (i < 0 || i >= items.length) throw new RecordError(`index ${at} out of range (IndexError)`);
        return items[i];
      }
      throw new RecordError(`${typeName(of)} indexed with ${typeName(at)}`);
    }
    case "get": {
      const of = evaluate(n.of, x);
      if (!isDict(of)) throw new RecordError(`.get on ${typeName(of)}`);
      const key = evaluate(n.key, x);
      return typeof key === "string" && key in of ? of[key] : n.dflt ? evaluate(n.dflt, x) : null;
    }
    case "not":
      return !truthy(evaluate(n.of, x));
    case "bool": {
      const left = evaluate(n.left, x);
      return n.op === "and" ? (truthy(left) ? evaluate(n.right, x) : left) : truthy(left) ? left : evaluate(n.right, x);
    }
    case "cmp": {
      let left = evaluate(n.first, x);
      for (const { op, right } of n.rest) {
        const r = evaluate(right, x);
        if (!compare(op, left, r)) return false;
        left = r;
      }
      return true;
    }
  }
}

export interface TraceFilterOptions {
  /** The config key, for errors: data.otel_trace_replay.filter by default. */
  field?: string;
  /** The record in words, for a record the filter cannot be applied to. */
  describe?: (record: Record<string, unknown>, index: number) => string;
}

const otelRecord = (record: Record<string, unknown>, index: number) => `trace record ${index}${typeof record.session_id === "string" ? ` (session_id ${record.session_id})` : ""}`;

/** The filter of `src` (refused at once if outside the subset); null without one. */
export function compileTraceFilter(src: string | null, options: TraceFilterOptions = {}): ((record: Record<string, unknown>, index: number) => boolean) | null {
  if (src === null || src.trim() === "") return null;
  const field = options.field ?? OTEL_FIELD;
  const describe = options.describe ?? otelRecord;
  let tree: Node;
  try {
    tree = parse(src.trim());
  } catch (err) {
    if (err instanceof Refusal) throw new UsageError(`${field}: ${err.message}`, FORMS);
    throw err;
  }
  return (record, index) => {
    try {
      return truthy(evaluate(tree, record));
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      throw new UsageError(`${field}: cannot be applied to ${describe(record, index)}: ${err.message}`, "guard the lookup, e.g. x.get('key') == 'value' or 'key' in x and x['key'] == 'value'");
    }
  };
}
