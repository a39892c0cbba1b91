/**
 * The Prometheus HTTP API envelope (research/peers-and-dcgm.md §4), checked with zod at the boundary:
 * `{status, data: {resultType, result}, errorType?, error?, warnings?, infos?}`. Sample values are strings so
 * that "NaN", "+Inf" and "-Inf" survive JSON; `parseSampleValue` turns them into numbers. Timestamps arrive as
 * unix seconds (float) and leave as epoch ms.
 */
import { z } from "zod";
import { parseFloatText } from "./exposition-parser.ts";

const samplePair = z.tuple([z.number(), z.string()]);
const labels = z.record(z.string(), z.string());

const data = z.discriminatedUnion("resultType", [
  z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: labels, value: samplePair })) }),
  z.object({ resultType: z.literal("matrix"), result: z.array(z.object({ metric: labels, values: z.array(samplePair) })) }),
  z.object({ resultType: z.literal("scalar"), result: samplePair }),
  z.object({ resultType: z.literal("string"), result: samplePair }),
]);

export const envelopeSchema = z.object({
  status: z.enum(["success", "error"]),
  data: data.optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

export type Envelope = z.infer<typeof envelopeSchema>;
export type QueryData = z.infer<typeof data>;

export interface InstantSample {
  labels: Record<string, string>;
  tMs: number;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  points: Array<{ tMs: number; value: number }>;
}

/** Prometheus' float text ("87", "1e-06", "+Inf", "-Inf", "NaN"); anything else is an error. */
export function parseSampleValue(text: string): number {
  const n = parseFloatText(text);
  if (n === null) throw new Error(`not a Prometheus sample value: ${JSON.stringify(text)}`);
  return n;
}

const toMs = (unixS: number) => Math.round(unixS * 1000);

/** An instant query's result as samples (a scalar becomes one sample without labels). */
export function instantSamples(d: QueryData): InstantSample[] {
  switch (d.resultType) {
    case "vector":
      return d.result.map((r) => ({ labels: r.metric, tMs: toMs(r.value[0]), value: parseSampleValue(r.value[1]) }));
    case "scalar":
      return [{ labels: {}, tMs: toMs(d.result[0]), value: parseSampleValue(d.result[1]) }];
    default:
      throw new Error(`expected a vector or scalar result, got ${d.resultType}`);
  }
}

export function rangeSeries(d: QueryData): RangeSeries[] {
  if (d.resultType !== "matrix") throw new Error(`expected a matrix result, got ${d.resultType}`);
  return d.result.map((r) => ({
    labels: r.metric,
    points: r.values.map(([t, v]) => ({ tMs: toMs(t), value: parseSampleValue(v) })),
  }));
}
