/**
 * One line each for the model, the data and the load of a run, from its effective config.yaml (an
 * inference-perf config, either schema generation; research/inference-perf.md §1). Reads only what it shows
 * and says "unknown" for what is absent: the numbers of a report never depend on this. Pure.
 */
import type { RunDescription } from "./scenario-report.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);
const numOf = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export const UNKNOWN = "unknown";

export function describeScenarioConfig(config: unknown): RunDescription {
  const c = obj(config);
  return { model: describeModel(c), data: describeData(obj(c.data)), load: describeLoad(obj(c.load)) };
}

function describeModel(c: Obj): string {
  return str(obj(c.server).model_name) ?? str(obj(c.tokenizer).pretrained_model_name_or_path) ?? UNKNOWN;
}

/** A length that is a number, or a Distribution `{type, mean, std_dev, min, max}`. */
export function describeLength(v: unknown): string {
  const n = numOf(v);
  if (n !== null) return String(n);
  if (!isObj(v)) return "?";
  const type = str(v.type) ?? "normal";
  const mean = numOf(v.mean);
  if (type === "fixed" || (numOf(v.min) !== null && v.min === v.max)) return String(mean ?? v.min);
  const sd = numOf(v.std_dev);
  const range = numOf(v.min) !== null && numOf(v.max) !== null ? ` [${v.min}, ${v.max}]` : "";
  return `${type} ${mean ?? "?"}${sd !== null ? `±${sd}` : ""}${range}`;
}

function describeData(d: Obj): string {
  const type = str(d.type);
  if (type === null) return UNKNOWN;
  if (type === "shared_prefix") {
    const sp = obj(d.shared_prefix);
    const groups = sp.num_groups ?? sp.num_unique_system_prompts ?? "?";
    const perGroup = sp.num_prompts_per_group ?? sp.num_users_per_system_prompt ?? "?";
    return `shared_prefix ${groups}×${perGroup}, system ${describeLength(sp.system_prompt_len)}, question ${describeLength(sp.question_len)}, output ${describeLength(sp.output_len)} tokens`;
  }
  const parts = [type];
  if (d.input_distribution !== undefined && d.input_distribution !== null) parts.push(`input ${describeLength(d.input_distribution)}`);
  if (d.output_distribution !== undefined && d.output_distribution !== null) parts.push(`output ${describeLength(d.output_distribution)}`);
  return parts.length > 1 ? `${parts[0]}, ${parts.slice(1).join(", ")} tokens` : type;
}

function describeLoad(l: Obj): string {
  const type = str(l.type) ?? "constant";
  const sweep = obj(l.sweep);
  if (str(sweep.type)) return `${type} sweep (${sweep.type}, ${sweep.num_stages ?? 5} stages)`;
  const stages = Array.isArray(l.stages) ? l.stages.map(obj) : [];
  if (stages.length === 0) return Object.keys(l).length === 0 ? UNKNOWN : type;
  if (type === "concurrent") return `concurrent, ${stages.length} stage${stages.length > 1 ? "s" : ""}: c=${stages.map((s) => s.concurrency_level ?? "?").join(", ")}`;
  const rates = stages.map((s) => s.rate ?? "?").join(", ");
  const durations = stages.map((s) => numOf(s.duration)).filter((d): d is number => d !== null);
  const lo = Math.min(...durations);
  const hi = Math.max(...durations);
  const each = durations.length === 0 ? "" : lo === hi ? `, ${lo} s each` : `, ${lo}–${hi} s`;
  return `${type}, ${stages.length} stage${stages.length > 1 ? "s" : ""}: ${rates} QPS${each}`;
}
