/**
 * Label selectors for the target's series. One PromQL selector cannot say "pod OR exported_pod", so a filter
 * becomes a list of alternative selectors that the builders join with `or` (research/peers-and-dcgm.md §3b):
 *   - vLLM: `model_name="<model>"`, and in a cluster `pod=~"<re>"` or `exported_pod=~"<re>"`;
 *   - DCGM: `pod`/`exported_pod` (the pod that was allocated the GPU) and `Hostname`/`hostname` when given;
 *     with neither, every GPU Prometheus knows (fine on a dedicated box, wrong on a shared cluster).
 * Regexes are RE2 and anchored by Prometheus, so a plain pod name matches exactly that pod.
 */
import { LABELS } from "./metric-names.ts";

export interface MetricsTarget {
  /** The served model name, matched exactly against vLLM's model_name. */
  model: string;
  /** RE2 regex for the target's pod(s); omit outside Kubernetes. */
  pod?: string;
  /** RE2 regex for the GPU node's hostname (DCGM only). */
  hostname?: string;
}

/** A PromQL double-quoted string literal. */
export function quotePromql(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Every combination of one matcher from each group, each as `{a,b}` (or "" when there are no groups). */
function crossProduct(groups: readonly (readonly string[])[]): string[] {
  let combos: string[][] = [[]];
  for (const group of groups) combos = combos.flatMap((combo) => group.map((m) => [...combo, m]));
  return combos.map((c) => (c.length === 0 ? "" : `{${c.join(",")}}`));
}

function regexGroup(labels: readonly string[], re: string | undefined): string[][] {
  return re === undefined ? [] : [labels.map((l) => `${l}=~${quotePromql(re)}`)];
}

/** Alternative selectors for the target's vLLM series. */
export function vllmSelectors(target: MetricsTarget): string[] {
  return crossProduct([[`${LABELS.modelName}=${quotePromql(target.model)}`], ...regexGroup(LABELS.pod, target.pod)]);
}

/** Alternative selectors for the target's GPUs ([""] = all GPUs). */
export function dcgmSelectors(target: MetricsTarget): string[] {
  return crossProduct([...regexGroup(LABELS.pod, target.pod), ...regexGroup(LABELS.hostname, target.hostname)]);
}

/** `f(a) or f(b) …` (unparenthesized: `or` binds loosest, so callers wrap it where it is an operand). */
export function anyOf(selectors: readonly string[], build: (selector: string) => string): string {
  return selectors.map(build).join(" or ");
}

/** A Prometheus duration for a window in ms: "60s" when whole seconds, else "12345ms". */
export function promDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}
