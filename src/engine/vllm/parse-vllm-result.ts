/**
 * One `vllm bench serve` result JSON → kneepoint's per-step result. Pure.
 *
 * The result keeps vLLM's keys, values and key order. A key vLLM did not write stays absent: nothing is
 * invented, no 0 and no NaN, and the table shows "–" for it. The exceptions, each reported in `warnings`:
 * - `"request_goodput:"` (legacy spelling) becomes `request_goodput`;
 * - a missing `failed` (legacy script) is derived as `num_prompts − completed`. That is exact, because vLLM
 *   makes one output per prompt and counts each as a success or a failure;
 * - a statistic that is null is left out;
 * - when no request succeeded, vLLM's 0.0 latency statistics (numpy over empty lists) are left out. They
 *   are placeholders, not measurements;
 * - the per-request arrays (--save-detailed) are left out, as in summarizeStep.
 * Then kneepoint's own keys follow: `started_at_ms`/`ended_at_ms` (result-window.ts) and `errors_by_reason`.
 * `output_tokens_counted` and `prompt_tokens_planned` stay absent: the summary does not say how vLLM counted.
 */
import { EnvironmentError } from "../../errors.ts";
import type { StepResult } from "../../metrics/summarize-step.ts";
import { countVllmErrors, type VllmErrorReason } from "./classify-vllm-error.ts";
import { resultWindow, type ResultWindowContext } from "./result-window.ts";
import {
  describeIssues,
  LATENCY_STAT_KEY,
  LEGACY_GOODPUT_KEY,
  PER_REQUEST_KEYS,
  vllmResultSchema,
  type VllmResult,
} from "./result-schema.ts";

export interface VllmResultContext extends ResultWindowContext {
  /** The concurrency of this step (from its result markers), checked against vLLM's `max_concurrency`. */
  concurrency: number;
}

/**
 * kneepoint's StepResult as far as vLLM's JSON fills it. Every StepResult key is optional except `duration`
 * and `completed`. `errors_by_reason` is always present and may hold "unknown". vLLM keys that kneepoint has
 * no column for (metadata strings, `rtfx`, `spec_decode_*`, `probe_*`, percentiles such as `p99.9_itl_ms`)
 * stay in the object as written.
 */
export type VllmStepResult = Omit<Partial<StepResult>, "errors_by_reason"> & {
  duration: number;
  completed: number;
  errors_by_reason: Partial<Record<VllmErrorReason, number>>;
  [key: string]: unknown;
};

export interface ParsedVllmResult {
  result: VllmStepResult;
  /** What was derived, approximated or dropped, one sentence each; the runner shows them with the step. */
  warnings: string[];
}

/** Keys whose null vLLM means something (no label, no --goodput, no --max-concurrency); kept as null. */
const NULL_MEANS_SOMETHING: ReadonlySet<string> = new Set([
  "endpoint_type",
  "label",
  "tokenizer_id",
  "max_concurrency",
  "request_goodput",
  LEGACY_GOODPUT_KEY,
]);

export function parseVllmResult(json: unknown, ctx: VllmResultContext): ParsedVllmResult {
  const where = `vLLM result of the step at concurrency ${ctx.concurrency}`;
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new EnvironmentError(`${where} is not a JSON object`, "look at the step's block in the Job's log");
  }
  const parsed = vllmResultSchema.safeParse(json);
  if (!parsed.success) {
    throw new EnvironmentError(
      `${where} is not a vllm bench serve result: ${describeIssues(parsed.error)}`,
      "every version writes numeric `duration` and `completed`; check that the Job printed the --save-result file, not another JSON",
    );
  }
  const src: VllmResult = parsed.data;
  const warnings: string[] = [];
  const out: Record<string, unknown> = {};
  const failed = src.failed ?? deriveFailed(src, warnings);
  const noSuccess = src.completed === 0;
  let placeholders = 0;

  // Walk the keys in vLLM's order (zod's output puts its own keys first).
  for (const key of Object.keys(json)) {
    const value = (src as Record<string, unknown>)[key];
    if (PER_REQUEST_KEYS.has(key)) continue;
    if (value === null && !NULL_MEANS_SOMETHING.has(key) && (LATENCY_STAT_KEY.test(key) || key in vllmResultSchema.shape)) {
      warnings.push(`\`${key}\` is null in vLLM's result; left out`);
      continue;
    }
    if (noSuccess && LATENCY_STAT_KEY.test(key)) {
      placeholders++;
      continue;
    }
    if (key === LEGACY_GOODPUT_KEY) {
      if (!("request_goodput" in json)) out.request_goodput = value;
      continue;
    }
    out[key] = value;
    if (key === "completed" && src.failed == null && failed !== undefined) out.failed = failed;
  }
  if (placeholders > 0) {
    warnings.push(`no request succeeded: vLLM's ${placeholders} latency statistics (0.0 over empty lists) left out`);
  }

  checkConsistency(src, failed, ctx, warnings);
  // kneepoint's native engine (in-cluster, `sweep --log-results`) writes its own measured window and error counts.
  const own = json as Record<string, unknown>;
  const window = resultWindow(src.date, src.duration, {
    ...ctx,
    startedAtMs: ctx.startedAtMs ?? finiteNumber(own.started_at_ms),
    endedAtMs: ctx.endedAtMs ?? finiteNumber(own.ended_at_ms),
  });
  warnings.push(...window.warnings);
  if (window.started_at_ms !== undefined) out.started_at_ms = window.started_at_ms;
  if (window.ended_at_ms !== undefined) out.ended_at_ms = window.ended_at_ms;
  out.errors_by_reason = ownErrorCounts(own.errors_by_reason) ?? errorsByReason(src.errors, failed, warnings);
  return { result: out as VllmStepResult, warnings };
}

const finiteNumber = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The native engine's `errors_by_reason` (reason → count), when the result carries one. */
function ownErrorCounts(v: unknown): Partial<Record<VllmErrorReason, number>> | null {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.every(([, n]) => typeof n === "number" && Number.isInteger(n) && n >= 0) ? (Object.fromEntries(entries) as Partial<Record<VllmErrorReason, number>>) : null;
}

/** Legacy results have no `failed`: every prompt that did not complete failed. */
function deriveFailed(src: VllmResult, warnings: string[]): number | undefined {
  if (src.num_prompts == null || src.num_prompts < src.completed) return undefined;
  const failed = src.num_prompts - src.completed;
  warnings.push(`\`failed\` absent (legacy benchmark_serving.py, vLLM before 0.13): derived as num_prompts − completed = ${failed}`);
  return failed;
}

function checkConsistency(src: VllmResult, failed: number | undefined, ctx: VllmResultContext, warnings: string[]): void {
  if (src.max_concurrency === null) {
    warnings.push(`vLLM ran without --max-concurrency (max_concurrency null), so it did not hold the step's concurrency ${ctx.concurrency}`);
  } else if (src.max_concurrency !== undefined && src.max_concurrency !== ctx.concurrency) {
    warnings.push(`vLLM's max_concurrency ${src.max_concurrency} differs from the step's concurrency ${ctx.concurrency}`);
  }
  if (src.num_prompts != null && failed !== undefined && src.completed + failed !== src.num_prompts) {
    warnings.push(`completed ${src.completed} + failed ${failed} ≠ num_prompts ${src.num_prompts}`);
  }
}

/**
 * From `errors` (one string per request, "" for a success) when vLLM wrote them, classified; failures whose
 * string is "" (an HTTP error without a reason phrase) count as "unknown". Without `errors`: all failures as
 * "unknown". No failures: {}.
 */
function errorsByReason(
  errors: readonly (string | null)[] | undefined,
  failed: number | undefined,
  warnings: string[],
): Partial<Record<VllmErrorReason, number>> {
  if (errors === undefined) return failed !== undefined && failed > 0 ? { unknown: failed } : {};
  const { counts, total, samples } = countVllmErrors(errors);
  if (failed !== undefined && failed > total) {
    counts.unknown = (counts.unknown ?? 0) + (failed - total);
    warnings.push(`${failed - total} failed requests have an empty error string in vLLM's \`errors\`; counted as unknown`);
  } else if (failed !== undefined && total > failed) {
    warnings.push(`vLLM's \`errors\` holds ${total} error strings but \`failed\` is ${failed}`);
  }
  if (samples.length > 0) warnings.push(`vLLM's error strings: ${samples.join(" | ")}`);
  return counts;
}
