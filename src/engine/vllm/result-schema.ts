/**
 * The result JSON of `vllm bench serve --save-result` (and of the legacy `benchmarks/benchmark_serving.py`),
 * as loose as the versions require (research/vllm-bench.md §1.7, test/fixtures/vllm-results/SOURCES.md):
 *
 * - every key is optional except `duration` and `completed` (the two every version writes);
 * - unknown keys pass through: newer versions add `rtfx`, `spec_decode_*`, `probe_*`, `diffusion_*`;
 *   `--metadata KEY=VALUE` adds string keys; `vllm bench sweep` adds `run_number` and its override keys;
 * - goodput is `request_goodput` or, before mid-2025, `"request_goodput:"` (trailing colon);
 * - `request_rate` is a number or the string "inf" (every version writes "inf"; "Infinity" is accepted too);
 * - numbers may be null (`request_goodput` without --goodput; statistics from a non-finite value, see
 *   parse-python-json.ts), and the parser treats null statistics as absent.
 *
 * Not strict, unlike kneepoint's own input schemas (CONVENTIONS habit 1), because vLLM, not the user, writes it.
 */
import { z } from "zod";

/** The legacy goodput key, with vLLM's typo (benchmark_serving.py until mid-2025). */
export const LEGACY_GOODPUT_KEY = "request_goodput:";

/**
 * Per-request arrays. `--save-detailed` keeps them (the legacy script always did, by a bug). `latencies` and
 * `queue_times` are kept without --save-detailed too. kneepoint's per-step result leaves them all out.
 */
export const PER_REQUEST_KEYS: ReadonlySet<string> = new Set([
  "input_lens",
  "output_lens",
  "ttfts",
  "itls",
  "latencies",
  "start_times",
  "queue_times",
  "generated_texts",
  "errors",
]);

/**
 * A latency statistic key: `mean_ttft_ms`, `median_itl_ms`, `std_e2el_ms`, `p99_tpot_ms`, `p99.9_itl_ms`,
 * also for metrics kneepoint has no column for (`p99_client_queue_time_ms`).
 */
export const LATENCY_STAT_KEY = /^(?:mean|median|std|p\d+(?:\.\d+)?)_[a-z][a-z0-9_]*_ms$/;

const count = z.number().int().nonnegative();
const nullableCount = count.nullable().optional();
const nullableNumber = z.number().nullable().optional();

/** A number, or "inf" for `--request-rate inf`. "Infinity" and "+inf" (any case) also mean "inf". */
const requestRate = z
  .union([z.number().nonnegative(), z.string().regex(/^\+?inf(?:inity)?$/i, { message: 'must be a number or "inf"' })])
  .transform((v): number | "inf" => (typeof v === "string" ? "inf" : v));

export const vllmResultSchema = z
  .looseObject({
    date: z.string().optional(),
    endpoint_type: z.string().nullable().optional(),
    backend: z.string().nullable().optional(),
    label: z.string().nullable().optional(),
    model_id: z.string().nullable().optional(),
    tokenizer_id: z.string().nullable().optional(),
    num_prompts: nullableCount,
    request_rate: requestRate.nullable().optional(),
    burstiness: nullableNumber,
    max_concurrency: nullableCount,
    duration: z.number().nonnegative(),
    completed: count,
    failed: nullableCount,
    total_input_tokens: nullableCount,
    total_output_tokens: nullableCount,
    request_throughput: nullableNumber,
    request_goodput: nullableNumber,
    [LEGACY_GOODPUT_KEY]: nullableNumber,
    output_throughput: nullableNumber,
    total_token_throughput: nullableNumber,
    max_output_tokens_per_s: nullableNumber,
    max_concurrent_requests: nullableNumber,
    /** `--save-detailed`: one entry per request, "" for a success (an HTTP error without a reason is "" too). */
    errors: z.array(z.string().nullable()).optional(),
  })
  .superRefine((result, ctx) => {
    for (const [key, value] of Object.entries(result)) {
      if (LATENCY_STAT_KEY.test(key) && value !== null && typeof value !== "number") {
        ctx.addIssue({ code: "custom", path: [key], message: "a latency statistic must be a number (ms) or null" });
      }
    }
  });

export type VllmResult = z.infer<typeof vllmResultSchema>;

/** `path: message` for each issue, joined (the form every kneepoint validation error takes). */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
