/**
 * Checks for PromQL written with Grafana variables: substitute the variables, parse with Prometheus' own lezer
 * grammar, and list syntax errors, metric names and matcher labels. Used by the dashboard tests (a wrong metric
 * name in a panel never fails anything at runtime; the panel just stays empty).
 */
import { parser } from "@prometheus-io/lezer-promql";

/** Grafana's interval variables, which stand where PromQL wants a duration. */
const DURATION_VARIABLES: ReadonlySet<string> = new Set(["__rate_interval", "__interval", "__range"]);
export const DURATION_PLACEHOLDER = "5m";
export const VALUE_PLACEHOLDER = "placeholder";

/** `$name`, `${name}` and `${name:format}`. */
const VARIABLE_PATTERN = /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)/g;

/** Names of the Grafana variables an expression uses, in order of first use. */
export function grafanaVariables(expr: string): string[] {
  return [...new Set([...expr.matchAll(VARIABLE_PATTERN)].map((m) => m[1] ?? m[2] ?? ""))];
}

/**
 * Replaces interval variables by a duration and every other variable by a plain word, giving text that is valid
 * PromQL wherever the variable stood in a valid place (a duration in brackets, a value inside a string).
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replace(VARIABLE_PATTERN, (_match, braced: string | undefined, bare: string | undefined) =>
    DURATION_VARIABLES.has(braced ?? bare ?? "") ? DURATION_PLACEHOLDER : VALUE_PLACEHOLDER,
  );
}

export interface PromqlFindings {
  /** Offsets of the parser's error nodes; empty for a valid expression. */
  readonly errorOffsets: readonly number[];
  /** Metric names of the vector selectors, as written (`…_bucket` included), in order. */
  readonly metricNames: readonly string[];
  /** Vector selectors without a plain metric name (`{__name__=…}` or quoted names): the name check cannot see them. */
  readonly unnamedSelectors: number;
  /** Label names used in selector matchers. */
  readonly matcherLabels: readonly string[];
}

/** Parses one PromQL expression (without Grafana variables) and reports what it found. */
export function parsePromql(expr: string): PromqlFindings {
  const errorOffsets: number[] = [];
  const metricNames: string[] = [];
  const matcherLabels: string[] = [];
  let unnamedSelectors = 0;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errorOffsets.push(node.from);
      if (node.name === "VectorSelector") {
        const identifier = node.node.getChild("Identifier");
        if (identifier === null) unnamedSelectors += 1;
        else metricNames.push(expr.slice(identifier.from, identifier.to));
      }
      if (node.name === "UnquotedLabelMatcher") {
        const label = node.node.getChild("LabelName");
        if (label !== null) matcherLabels.push(expr.slice(label.from, label.to));
      }
    },
  });
  return { errorOffsets, metricNames, unnamedSelectors, matcherLabels };
}

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"] as const;

/** The family a series belongs to: `x_bucket`/`_sum`/`_count` → `x` when `x` is a histogram, else the name itself. */
export function metricFamily(seriesName: string, histogramFamilies: ReadonlySet<string>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = seriesName.endsWith(suffix) ? seriesName.slice(0, -suffix.length) : undefined;
    if (base !== undefined && histogramFamilies.has(base)) return base;
  }
  return seriesName;
}
