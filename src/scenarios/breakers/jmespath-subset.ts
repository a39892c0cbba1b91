/**
 * The part of JMESPath that circuit-breaker expressions use, evaluated as Python's `jmespath` 1.1.0 does (the
 * library inference-perf 0.7.0 compiles `metrics.matches` / `metrics.rules` with, circuit_breaker/simple_breaker.py):
 *   fields (`error.error_type`, `"quoted"`), `@`, indexes (`a[0]`, `a[-1]`), literals (`'raw'`, `` `json` ``),
 *   `== != < <= > >=`, `&& || !`, parentheses, and the functions contains, starts_with, ends_with, length, type,
 *   to_string, to_number, not_null, abs.
 * Binding powers are JMESPath's (or 2, and 3, comparators 5, dot 40, not 45, index 55), so `!a == b` is `(!a) == b`.
 * Semantics follow jmespath/visitor.py: a field of a non-object is null; `==` is deep equality, except that 0/1 never
 * equal false/true; an ordering comparison of anything but two numbers or two strings is null, and of a number with
 * a string raises (the breaker then counts no match, as its `except Exception`). Projections, filters, slices, pipes
 * and multi-selects are refused when compiling, by name: `compileExpression` throws a JmesPathSubsetError.
 */
import { compare, FUNCTIONS, isFalse, isObject, pythonTruthy, type Json } from "./jmespath-values.ts";

export { pythonTruthy };

export class JmesPathSubsetError extends Error {}

type Node = (value: Json) => Json;

interface Token {
  kind: "id" | "lit" | "num" | "op" | "eof";
  text: string;
  value?: Json;
  at: number;
}

const OPS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", ".", "[", "]", "(", ")", ",", "@", "*", "|", "{", "}", "?", ":", "&"];

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const until = (quote: string): string => {
    let j = i + 1;
    while (j < src.length && src[j] !== quote) j += src[j] === "\\" ? 2 : 1;
    if (j >= src.length) throw new JmesPathSubsetError(`unterminated ${quote} at column ${i}`);
    const body = src.slice(i + 1, j);
    i = j + 1;
    return body;
  };
  while (i < src.length) {
    const c = src[i]!;
    const at = i;
    if (/\s/.test(c)) i++;
    else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ kind: "id", text: m, at });
      i += m.length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?[0-9]+/.exec(src.slice(i));
      if (!m) throw new JmesPathSubsetError(`unexpected "-" at column ${i}`);
      out.push({ kind: "num", text: m[0], value: Number(m[0]), at });
      i += m[0].length;
    } else if (c === '"') {
      out.push({ kind: "id", text: JSON.parse(`"${until('"')}"`) as string, at });
    } else if (c === "'") {
      out.push({ kind: "lit", text: "'", value: until("'").replace(/\\'/g, "'"), at });
    } else if (c === "`") {
      const body = until("`").replace(/\\`/g, "`");
      let value: Json;
      try {
        value = JSON.parse(body) as Json;
      } catch {
        value = body.trim(); // jmespath's deprecated form: an unquoted string literal
      }
      out.push({ kind: "lit", text: "`", value, at });
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new JmesPathSubsetError(`unexpected character ${JSON.stringify(c)} at column ${i}`);
      out.push({ kind: "op", text: op, at });
      i += op.length;
    }
  }
  out.push({ kind: "eof", text: "", at: src.length });
  return out;
}

const BP: Record<string, number> = { "||": 2, "&&": 3, "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5, ".": 40, "[": 55 };
const UNSUPPORTED: Record<string, string> = {
  "*": "wildcard projections (*)",
  "|": "pipes (|)",
  "{": "multi-select hashes ({…})",
  "?": "filter expressions ([?…])",
  ":": "slices ([a:b])",
  "&": "expression references (&…)",
};

function parse(tokens: Token[], src: string): Node {
  let pos = 0;
  const peek = () => tokens[pos]!;
  const take = () => tokens[pos++]!;
  const expectOp = (op: string) => {
    const t = take();
    if (t.kind !== "op" || t.text !== op) throw new JmesPathSubsetError(`expected "${op}" at column ${t.at} of ${JSON.stringify(src)}`);
  };
  const refuse = (t: Token, what: string): never => {
    throw new JmesPathSubsetError(`${what} (column ${t.at} of ${JSON.stringify(src)}) are not evaluated by kneepoint's circuit breakers; use fields, literals, comparisons, && || ! and functions`);
  };

  function nud(t: Token): Node {
    if (t.kind === "id") {
      const name = t.text;
      if (peek().kind === "op" && peek().text === "(") {
        take();
        const fn = FUNCTIONS[name];
        if (!fn) refuse(t, `function ${name}()`);
        const args: Node[] = [];
        while (!(peek().kind === "op" && peek().text === ")")) {
          args.push(expr(0));
          if (peek().kind === "op" && peek().text === ",") take();
        }
        expectOp(")");
        return (v) => fn!(args.map((a) => a(v)));
      }
      return (v) => (isObject(v) && name in v ? v[name]! : null);
    }
    if (t.kind === "lit") return () => t.value!;
    if (t.kind === "op" && t.text === "@") return (v) => v;
    if (t.kind === "op" && t.text === "!") {
      const inner = expr(45);
      return (v) => {
        const r = inner(v);
        return r === 0 ? false : !pythonTruthy(r); // Python's `not`, except that !0 is false (visit_not_expression)
      };
    }
    if (t.kind === "op" && t.text === "(") {
      const inner = expr(0);
      expectOp(")");
      return inner;
    }
    if (t.kind === "op" && t.text === "[") refuse(t, "multi-select lists and flatten projections ([…], [])");
    if (t.kind === "op" && UNSUPPORTED[t.text]) refuse(t, UNSUPPORTED[t.text]!);
    throw new JmesPathSubsetError(`unexpected ${t.kind === "eof" ? "end of expression" : JSON.stringify(t.text)} at column ${t.at} of ${JSON.stringify(src)}`);
  }

  function led(t: Token, left: Node): Node {
    if (t.text === ".") {
      const r = take();
      if (r.kind !== "id" || (peek().kind === "op" && peek().text === "(")) {
        if (r.kind === "op" && UNSUPPORTED[r.text]) refuse(r, UNSUPPORTED[r.text]!);
        if (r.kind === "op" && (r.text === "[" || r.text === "{")) refuse(r, "multi-selects after a dot");
        if (r.kind === "id") refuse(r, "function calls after a dot");
        throw new JmesPathSubsetError(`expected a field name after "." at column ${r.at} of ${JSON.stringify(src)}`);
      }
      const name = r.text;
      return (v) => {
        const o = left(v);
        return isObject(o) && name in o ? o[name]! : null;
      };
    }
    if (t.text === "[") {
      const n = take();
      if (n.kind === "op" && UNSUPPORTED[n.text]) refuse(n, UNSUPPORTED[n.text]!);
      if (n.kind === "op" && n.text === "]") refuse(n, "flatten projections ([])");
      if (n.kind !== "num") throw new JmesPathSubsetError(`expected an index at column ${n.at} of ${JSON.stringify(src)}`);
      if (peek().kind === "op" && peek().text === ":") refuse(peek(), UNSUPPORTED[":"]!);
      expectOp("]");
      const i = n.value as number;
      return (v) => {
        const a = left(v);
        if (!Array.isArray(a)) return null;
        return a[i < 0 ? a.length + i : i] ?? null;
      };
    }
    const right = expr(BP[t.text]!);
    if (t.text === "||") return (v) => (isFalse(left(v)) ? right(v) : left(v));
    if (t.text === "&&") return (v) => (isFalse(left(v)) ? left(v) : right(v));
    return (v) => compare(t.text, left(v), right(v));
  }

  function expr(rbp: number): Node {
    let left = nud(take());
    for (;;) {
      const t = peek();
      if (t.kind !== "op") {
        if (t.kind === "eof") return left;
        throw new JmesPathSubsetError(`unexpected ${JSON.stringify(t.text)} at column ${t.at} of ${JSON.stringify(src)}`);
      }
      if (UNSUPPORTED[t.text]) refuse(t, UNSUPPORTED[t.text]!);
      const bp = BP[t.text];
      if (bp === undefined || bp <= rbp) return left;
      take();
      left = led(t, left);
    }
  }

  const root = expr(0);
  if (peek().kind !== "eof") throw new JmesPathSubsetError(`unexpected ${JSON.stringify(peek().text)} at column ${peek().at} of ${JSON.stringify(src)}`);
  return root;
}

/** A compiled expression: `search(doc)` is jmespath's `expr.search(doc)`; it may throw (a TypeError) as Python's does. */
export interface CompiledExpression {
  source: string;
  search(doc: unknown): unknown;
}

export function compileExpression(source: string): CompiledExpression {
  const node = parse(lex(source), source);
  return { source, search: (doc) => node(doc as Json) };
}
