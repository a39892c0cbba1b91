/**
 * Cross-field rules of circuit breakers, raised where inference-perf 0.7.0 raises them before any request:
 *   - a name in load.circuit_breakers that no top-level breaker defines: `ValueError: Unknown circuit breaker: <name>`
 *     (circuit_breaker/__init__.py:38-41, called from loadgen/load_generator.py:552);
 *   - an expression Python's jmespath cannot compile (simple_breaker.py:34-35 compiles them at start;
 *     src/scenarios/breakers/jmespath-expression.ts).
 */
import { compileExpression, JmesPathExpressionError } from "../breakers/jmespath-expression.ts";
import type { CircuitBreakerConfig } from "./circuit-breaker-schema.ts";

type Issue = (path: Array<string | number>, message: string) => void;

export function checkCircuitBreakers(defined: readonly CircuitBreakerConfig[] | null, enabled: readonly string[], issue: Issue): void {
  const names = new Set((defined ?? []).map((b) => b.name));
  enabled.forEach((name, i) => {
    if (!names.has(name)) {
      const known = names.size > 0 ? `defined: ${[...names].join(", ")}` : "the config defines no top-level circuit_breakers";
      issue(["load", "circuit_breakers", i], `unknown circuit breaker "${name}" (${known}); inference-perf stops with "Unknown circuit breaker" too`);
    }
  });
  (defined ?? []).forEach((b, i) => {
    for (const key of ["matches", "rules"] as const) {
      b.metrics[key].forEach((expr, j) => {
        try {
          compileExpression(expr);
        } catch (err) {
          if (!(err instanceof JmesPathExpressionError)) throw err;
          issue(["circuit_breakers", i, "metrics", key, j], `cannot use ${JSON.stringify(expr)}: ${err.message}`);
        }
      });
    }
  });
}
