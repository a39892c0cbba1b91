/**
 * Circuit-breaker expressions (`metrics.matches`, `metrics.rules`), evaluated as Python's `jmespath` 1.1.0 does: the
 * library inference-perf 0.7.0 compiles them with (circuit_breaker/simple_breaker.py). Parsing and evaluation are
 * @jmespath-community/jmespath's; three differences from Python's are closed here:
 *   - its grammar is a superset (arithmetic, `let`, `$`, ternaries, functions such as `lower`): what Python 1.1.0
 *     cannot compile is refused when the config is read, by name, as 0.7.0 would fail on it at start;
 *   - an ordering comparison of two strings is null there and compares them in Python (visitor.py `_is_comparable`);
 *   - an ordering comparison of a number with a string is null there and raises a TypeError in Python (which the
 *     breaker counts as no match).
 * Everything else (0/1 never equal false/true, `!0` is false, a field of a non-object is null) already agrees.
 */
import { compile, TreeInterpreter } from "@jmespath-community/jmespath";

export class JmesPathExpressionError extends Error {}

type Node = ReturnType<typeof compile>;
type Interpreter = typeof TreeInterpreter;

/** jmespath 1.1.0's functions.py, all of them. */
const PYTHON_FUNCTIONS = new Set(
  "abs avg ceil contains ends_with floor join keys length map max max_by merge min min_by not_null reverse sort sort_by starts_with sum to_array to_number to_string type values".split(" "),
);
/** Node types of the community grammar that Python's jmespath 1.1.0 does not parse. */
const NOT_IN_PYTHON: Record<string, string> = {
  Arithmetic: "arithmetic (+ - * / % //)",
  Unary: "unary + or -",
  LetExpression: "let expressions",
  Binding: "let expressions",
  Variable: "$variables",
  Root: "the $ root reference",
  Ternary: "ternary ?: expressions",
};
const ORDERING = new Set(["GT", "GTE", "LT", "LTE"]);

function checkPythonGrammar(node: unknown): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) return node.forEach((n) => checkPythonGrammar(n));
  const n = node as { type?: string; name?: string };
  const missing = n.type ? NOT_IN_PYTHON[n.type] : undefined;
  if (missing) throw new JmesPathExpressionError(`${missing} are not JMESPath as Python's jmespath (inference-perf's) parses it`);
  if (n.type === "Function" && !PYTHON_FUNCTIONS.has(n.name ?? "")) throw new JmesPathExpressionError(`unknown function ${n.name}() (Python's jmespath has ${[...PYTHON_FUNCTIONS].join(", ")})`);
  for (const value of Object.values(node)) checkPythonGrammar(value);
}

function ordered<T extends string | number>(op: string, a: T, b: T): boolean {
  return op === "GT" ? a > b : op === "GTE" ? a >= b : op === "LT" ? a < b : a <= b;
}

/** The community interpreter with Python's ordering comparisons. */
function createPythonInterpreter(): Interpreter {
  const Base = Object.getPrototypeOf(TreeInterpreter).constructor as new () => Interpreter;
  class PythonInterpreter extends Base {
    override visit(node: Node, value: Parameters<Interpreter["visit"]>[1]): ReturnType<Interpreter["visit"]> {
      if (node.type === "Comparator" && ORDERING.has(node.name)) {
        const left = this.visit(node.left, value);
        const right = this.visit(node.right, value);
        const kind = (v: unknown) => (typeof v === "string" ? "str" : typeof v === "number" ? "number" : null);
        if (kind(left) === "str" && kind(right) === "str") return ordered(node.name, left as string, right as string);
        if (kind(left) && kind(right) && kind(left) !== kind(right)) throw new TypeError(`'${node.name}' not supported between a ${kind(left)} and a ${kind(right)}`);
        if (kind(left) === "number" && kind(right) === "number") return ordered(node.name, left as number, right as number);
        return null;
      }
      return super.visit(node, value);
    }
  }
  return new PythonInterpreter();
}

const interpreter = createPythonInterpreter();

/** A compiled expression: `search(doc)` is jmespath's `expr.search(doc)`; it may throw, as Python's does. */
export interface CompiledExpression {
  source: string;
  search(doc: unknown): unknown;
}

export function compileExpression(source: string): CompiledExpression {
  let node: Node;
  try {
    node = compile(source);
  } catch (err) {
    throw new JmesPathExpressionError((err as Error).message);
  }
  checkPythonGrammar(node);
  return { source, search: (doc) => interpreter.search(node, doc as Parameters<Interpreter["search"]>[1]) };
}

/** Python's `bool(x)` of a search result (0, "", [], {}, None and False are false), as simple_breaker.py's `_search`. */
export function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}
