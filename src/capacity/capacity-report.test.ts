import { describe, expect, it } from "vitest";
import { renderChart } from "../report/charts/render-chart.ts";
import { buildCapacityDocument } from "./capacity-document.ts";
import { capacityCharts } from "./capacity-chart.ts";
import { renderCapacityMarkdown } from "./capacity-markdown.ts";
import { buildCapacityPlan } from "./capacity-plan.ts";
import { buildAxisResult, describeAnswer, type CapacityProbe } from "./capacity-result.ts";
import { capacityOptionsSchema } from "./capacity-options.ts";
import { parseSlo, type Slo } from "./slo.ts";
import { ABSENT_PEAKS } from "../server-metrics/step-peaks.ts";
import type { RunContext } from "../report/run-context.ts";

const slo = (e: string): Slo => {
  const r = parseSlo(e);
  if (!r.ok) throw new Error(r.message);
  return r.slo;
};
const SLOS = [slo("p95(ttft)<=500ms"), slo("error_rate<=1%")];
const probe = (index: number, level: number, ttftMs: number, extra: Partial<CapacityProbe> = {}): CapacityProbe => ({
  index,
  axis: "concurrency",
  level,
  attempt: 1,
  measuredRequests: 100,
  warmupRequests: 10,
  failed: 0,
  durationS: 5,
  achievedRps: level,
  scheduleDelayP50Ms: null,
  readings: [
    { slo: SLOS[0]!.text, value: ttftMs, limit: 500, pass: ttftMs <= 500, ratio: ttftMs / 500 },
    { slo: SLOS[1]!.text, value: 0, limit: 0.01, pass: true, ratio: 0 },
  ],
  pass: ttftMs <= 500,
  close: false,
  partial: false,
  startedAtEpochMs: index * 10_000,
  endedAtEpochMs: index * 10_000 + 5000,
  ...extra,
});
const PROBES = [probe(1, 4, 100), probe(2, 8, 300), probe(3, 16, 900), probe(4, 12, 600)];
const CONTEXT = { commit: "abc", gpu: "g", machineType: "m", driver: "d", cuda: "c", model: "llama", dtype: "bf16", vllmVersion: "v", serverArgs: "a", requestShape: "r", loadPattern: "l", engine: "e", harnessVersion: "h", targetKind: "simulator" } satisfies RunContext;

function doc() {
  const options = capacityOptionsSchema.parse({ slo: ["x"], search: "concurrency" });
  const plan = buildCapacityPlan(options, SLOS, { baseUrl: "http://sim", endpoint: "/v1/completions", model: "llama", request: "8 in / 8 out", seed: 1, outputTokens: 8 });
  const peaks = new Map([[2, { ...ABSENT_PEAKS, kvCachePctMax: 41.5, runningMax: 8, waitingMax: 0, preemptions: 0, samples: 9, underSampled: false }]]);
  const result = buildAxisResult({ axis: "concurrency", probes: PROBES, answer: 8, firstFail: 12, reason: "converged", nonMonotone: [], peaks, metricsNote: null });
  return buildCapacityDocument({ plan, runId: "r1", status: "complete", startedAt: "s", endedAt: "e", harnessVersion: "h", target: { baseUrl: "http://sim", endpoint: "/v1/completions", model: "llama", serverVersion: null, simulator: "kneepoint-sim", simulatorProfile: "h100-8b" }, request: "8 in / 8 out", results: [result], probes: PROBES, runContext: CONTEXT, serverMetrics: "scraped", serverPeaks: {}, warnings: [] });
}

describe("capacity report", () => {
  it("names the interval, the binding SLO (first failing level's) and the server at the answer", () => {
    const r = doc().results[0]!;
    expect(describeAnswer(r)).toBe("8 concurrent requests (interval 8 .. 12)");
    expect(r.bindingSlo).toBe("p95(ttft) <= 500ms");
    expect(r.serverState).toEqual({ probe: 2, kvCachePctMax: 41.5, runningMax: 8, waitingMax: 0, preemptions: 0, note: null });
    expect([r.probes, r.timeToAnswerS]).toEqual([4, 35]);
  });

  it("says absent when no server metrics were read at the answer", () => {
    const r = buildAxisResult({ axis: "concurrency", probes: PROBES, answer: 8, firstFail: 12, reason: "converged", nonMonotone: [], peaks: null, metricsNote: "server metrics off (--no-server-metrics)" });
    expect(r.serverState).toMatchObject({ kvCachePctMax: null, note: "server metrics off (--no-server-metrics)" });
  });

  it("report.md has the answer, one probe row per probe with each SLO's value, and the rule", () => {
    const md = renderCapacityMarkdown(doc(), [{ name: "capacity-probes", file: "capacity-probes.svg" }]);
    expect(md).toContain("closed-loop concurrency: 8 concurrent requests (interval 8 .. 12); binding SLO p95(ttft) <= 500ms; 4 probes in 35.0 s");
    expect(md).toContain("Server at the answer: KV cache 41.5 % peak, running 8 peak, waiting 0 peak, preemptions 0 (probe #2)");
    expect(md).toContain("| 3 | c=16 | 1 | 100 | 0 | 16.00 | 900.0 ms ✗ | 0.00 % | FAIL |");
    expect(md).toContain("![capacity-probes](capacity-probes.svg)");
    expect(md).not.toContain("Co-location"); // a local run has no placement
    const placed = doc();
    placed.runContext.coLocation = "load pod capacity-x on node-a; target pod vllm-0 on node-b (other node, same zone)";
    expect(renderCapacityMarkdown(placed, [])).toContain("| Co-location | load pod capacity-x on node-a; target pod vllm-0 on node-b (other node, same zone) |");
  });

  it("the chart renders with one mark per probe and SLO, without warnings", async () => {
    const [chart] = capacityCharts(doc());
    const rendered = await renderChart(chart!.spec);
    expect(rendered.warnings).toEqual([]);
    expect(rendered.svg.match(/role-mark/g)?.length ?? 0).toBeGreaterThan(0);
  });
});

describe("capacity report.html model", () => {
  it("has a verdict per axis, the probes table with the answer highlighted, and the chart", async () => {
    const { buildCapacityHtmlModel } = await import("./capacity-html.ts");
    const model = buildCapacityHtmlModel(doc());
    const kinds = model.sections.map((s) => s.kind);
    expect(kinds).toEqual(["verdict", "table", "chart", "text"]);
    const v = model.sections[0]!;
    expect(v.kind === "verdict" && v.headline).toBe("Closed-loop concurrency: 8 concurrent requests (interval 8 .. 12)");
    const t = model.sections[1]!;
    expect(t.kind === "table" && [t.rows.length, t.highlightRows]).toEqual([4, [1]]);
  });
});
