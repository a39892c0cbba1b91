/**
 * inference-perf 0.7.0's `TraceConfig` (config/datagen/replay.py), used by `load.trace` (arrival times for
 * `load.type: trace_replay`) and `data.trace` (input/output lengths for `data.type: random`): a file path and a
 * format. 0.7.0's TraceFormat enum has one member, `AzurePublicDataset` (the Azure LLM inference trace CSV
 * `TIMESTAMP,ContextTokens,GeneratedTokens`); any other format is refused by its schema, and by this one.
 * `rows` is not a config key: readScenarioConfig fills it from the file (src/scenarios/data/read-trace-file.ts)
 * so the plan and the request source stay pure.
 */
import { z } from "zod";

export const TRACE_FORMATS = ["AzurePublicDataset"] as const;

/** One trace row: ms after the trace's first row, and the token counts it asks for. */
export interface TraceRow {
  offsetMs: number;
  inputTokens: number;
  outputTokens: number;
}

export const traceSchema = z
  .strictObject({
    file: z.string({ message: "file is required: the path of the trace file" }).min(1),
    format: z.enum(TRACE_FORMATS, { message: `must be ${TRACE_FORMATS.join(" or ")} (the formats inference-perf 0.7.0 reads)` }).default("AzurePublicDataset"),
  })
  .transform((t) => ({ ...t, rows: null as readonly TraceRow[] | null }));

export type TraceConfig = z.infer<typeof traceSchema>;

/** The rows readScenarioConfig read, or a bug report: a trace config reached the plan without its file read. */
export function traceRows(trace: TraceConfig, key: string): readonly TraceRow[] {
  if (trace.rows === null) throw new Error(`${key}: trace file ${trace.file} was not read (readScenarioConfig reads it; a config parsed without it cannot plan a trace)`);
  return trace.rows;
}
