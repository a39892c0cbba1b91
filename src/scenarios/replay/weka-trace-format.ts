/**
 * One Weka KV-cache-tester trace (the rows of semianalysisai/cc-traces-weka-* `traces.jsonl`, or one JSON file), as
 * inference-perf 0.7.0 validates it (datagen/replay/weka_trace_replay_datagen.py `WekaTrace`):
 *   {id, models, block_size, tool_tokens?, system_tokens?, requests: [...]}, where a request is
 *   - `{type: "n"|"s", t, model, in, out, hash_ids?, api_time?, think_time?, ttft?}`: one call of the main agent
 *     (`t` seconds into the trace; `in`/`out` its input/output tokens; `hash_ids` its input's block hashes), or
 *   - `{type: "subagent", t, agent_id, subagent_type, duration_ms?, requests: [type "n" …], tool_tokens?, system_tokens?}`.
 * Unknown keys are ignored, as pydantic does. Pure.
 */
import { z } from "zod";

const num = z.number();
const int = z.number().int();
const optNum = num.nullable().optional().transform((v) => v ?? null);

const normalSchema = z.object({
  t: num,
  type: z.literal("n"),
  model: z.string(),
  in: int,
  out: int,
  hash_ids: z.array(int).default([]),
  api_time: optNum,
  think_time: optNum,
});
const streamingSchema = normalSchema.extend({ type: z.literal("s"), ttft: optNum });
const subagentSchema = z.object({
  t: num,
  type: z.literal("subagent"),
  agent_id: z.string(),
  subagent_type: z.string(),
  duration_ms: int.nullable().optional().transform((v) => v ?? null),
  requests: z.array(normalSchema).default([]),
  tool_tokens: int.default(0),
  system_tokens: int.default(0),
});

export const wekaTraceSchema = z.object({
  id: z.string(),
  models: z.array(z.string()),
  block_size: int,
  tool_tokens: int.default(0),
  system_tokens: int.default(0),
  requests: z.array(z.discriminatedUnion("type", [normalSchema, streamingSchema, subagentSchema])),
});

export type WekaTrace = z.infer<typeof wekaTraceSchema>;
export type WekaRequest = z.infer<typeof normalSchema> | z.infer<typeof streamingSchema>;
export type WekaSubagent = z.infer<typeof subagentSchema>;

export class InvalidWekaTraceError extends Error {}

/** A parsed trace, or InvalidWekaTraceError naming the first bad field (`requests[2].in: …`). */
export function parseWekaTrace(blob: unknown): WekaTrace {
  const r = wekaTraceSchema.safeParse(blob);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const path = first.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
  throw new InvalidWekaTraceError(`${path || "(the trace)"}: ${first.message}`);
}

export const isSubagent = (r: WekaTrace["requests"][number]): r is WekaSubagent => r.type === "subagent";
