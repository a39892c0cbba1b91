/**
 * Reads a trace file line by line (a streaming reader: Azure's public traces run to millions of rows) into
 * TraceRows: offsets from the first row, in ms, and the token counts. inference-perf 0.7.0 logs a bad row and
 * skips it; kneepoint refuses the file instead, naming file:line and the field, because a skipped row silently
 * changes the schedule being replayed. Timestamps must not decrease: the rows are a schedule, sent in file order.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { UsageError } from "../../errors.ts";
import type { TraceConfig, TraceRow } from "../config/trace-schema.ts";
import { isAzureHeader, parseAzureTraceLine } from "./azure-trace-line.ts";

export async function readTraceFile(trace: Pick<TraceConfig, "file" | "format">, key: string): Promise<TraceRow[]> {
  const hint = `fix the trace file, or point ${key}.file at an Azure LLM inference trace CSV (TIMESTAMP,ContextTokens,GeneratedTokens)`;
  const stream = createReadStream(trace.file, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const rows: TraceRow[] = [];
  let lineNo = 0;
  let firstUs: number | null = null;
  let lastUs = -Infinity;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === "") continue;
      if (lineNo === 1 && isAzureHeader(line)) continue;
      const parsed = parseAzureTraceLine(line);
      if (!parsed.ok) throw new UsageError(`${key}: ${trace.file}:${lineNo}: ${parsed.field}: ${parsed.message}`, hint);
      const { timestampUs, inputTokens, outputTokens } = parsed.row;
      if (timestampUs < lastUs) throw new UsageError(`${key}: ${trace.file}:${lineNo}: TIMESTAMP: goes back in time from the row before; the trace must be sorted by TIMESTAMP`, hint);
      lastUs = timestampUs;
      firstUs ??= timestampUs;
      rows.push({ offsetMs: (timestampUs - firstUs) / 1000, inputTokens, outputTokens });
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${key}: cannot read trace file ${trace.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, `check ${key}.file (a path relative to the current directory, as inference-perf reads it)`);
  } finally {
    lines.close();
    stream.destroy();
  }
  if (rows.length === 0) throw new UsageError(`${key}: trace file ${trace.file} has no rows`, hint);
  return rows;
}
