/**
 * Features of inference-perf configs that kneepoint does not run yet. Each is refused by name with what
 * to do instead — never skipped silently, so a run never measures something other than what its config says.
 * The table is checked against the raw document (before defaults), so only what the user wrote can trip it.
 */

type Segment = string | number;

export interface UnsupportedFeature {
  path: Segment[];
  /** What was written, in words: e.g. "data.type cnn_dailymail". */
  what: string;
  hint: string;
}

interface Rule {
  path: string[];
  /** True when the written value uses the unsupported feature. */
  matches: (value: unknown) => boolean;
  what: (value: unknown) => string;
  hint: string;
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
const oneOf = (...values: string[]) => (v: unknown) => typeof v === "string" && values.includes(v);
const named = (path: string) => () => path;
const valued = (path: string) => (v: unknown) => `${path} ${String(v)}`;

const RULES: Rule[] = [
  { path: ["data", "synthetic_agentic", "bad_tool_call_handling"], matches: oneOf("use_recorded"), what: valued("data.synthetic_agentic.bad_tool_call_handling"), hint: "remove it (none): kneepoint does not substitute recorded tool calls for malformed live ones yet" },
  { path: ["metrics", "prometheus", "google_managed"], matches: (v) => v === true, what: named("metrics.prometheus.google_managed"), hint: "set metrics.prometheus.url to a Prometheus-compatible endpoint instead" },
];

function at(doc: unknown, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const k of path) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export function findUnsupportedFeatures(doc: unknown): UnsupportedFeature[] {
  const found: UnsupportedFeature[] = [];
  for (const rule of RULES) {
    const value = at(doc, rule.path);
    if (rule.matches(value)) found.push({ path: rule.path, what: rule.what(value), hint: rule.hint });
  }
  return found;
}
