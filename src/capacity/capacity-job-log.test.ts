/**
 * The in-cluster capacity Job's results, from its log (capacity-log.ts) to capacity.json (capacity-from-job.ts):
 * hand-made logs with the kubelet's reality in them (interleaved progress, a line broken in two, a repeated block
 * after a resumed stream, a Job killed mid-block).
 */
import { describe, expect, it } from "vitest";
import { capacityLogBlock, DOCUMENT_MARKERS, PROBE_MARKERS, readCapacityLog } from "./capacity-log.ts";
import { assembleJobDocument } from "./capacity-from-job.ts";
import { buildCapacityDocument, type CapacityDocument } from "./capacity-document.ts";
import { buildCapacityPlan } from "./capacity-plan.ts";
import { capacityOptionsSchema } from "./capacity-options.ts";
import { buildAxisResult, type CapacityProbe } from "./capacity-result.ts";
import { parseSlo } from "./slo.ts";
import type { RunContext } from "../report/run-context.ts";
import type { StepResult } from "../metrics/summarize-step.ts";

const parsed = parseSlo("p95(ttft)<=500ms");
if (!parsed.ok) throw new Error(parsed.message);
const SLO = parsed.slo;
const probe = (index: number, level: number, ttftMs: number): CapacityProbe => ({
  index,
  axis: "concurrency",
  level,
  attempt: 1,
  measuredRequests: 40,
  warmupRequests: 4,
  failed: 0,
  durationS: 1,
  achievedRps: level * 10,
  scheduleDelayP50Ms: null,
  readings: [{ slo: SLO.text, value: ttftMs, limit: 500, pass: ttftMs <= 500, ratio: ttftMs / 500 }],
  pass: ttftMs <= 500,
  close: false,
  partial: false,
  startedAtEpochMs: index * 10_000,
  endedAtEpochMs: index * 10_000 + 1000,
});
const summary = (p: CapacityProbe) => ({ completed: p.measuredRequests, failed: 0, duration: p.durationS, max_concurrency: p.level }) as unknown as StepResult;
const CONTEXT = { commit: "abc", gpu: "g", machineType: "m", driver: "d", cuda: "c", model: "llama", dtype: "bf16", vllmVersion: "v", serverArgs: "a", requestShape: "r", loadPattern: "l", engine: "e", harnessVersion: "h", targetKind: "simulator" } satisfies RunContext;
const PLAN = buildCapacityPlan(capacityOptionsSchema.parse({ slo: ["x"], search: "concurrency" }), [SLO], { baseUrl: "http://sim", endpoint: "/v1/completions", model: "llama", request: "r", seed: 1, outputTokens: 8 });
const P = [probe(1, 4, 100), probe(2, 8, 300), probe(3, 16, 900)];

/** The document as the Job prints it: before the first probe (no probes), or after the search (`final`). */
function jobDocument(probes: CapacityProbe[], final: boolean): CapacityDocument {
  const results = final ? [buildAxisResult({ axis: "concurrency", probes, answer: 8, firstFail: 16, reason: "converged", nonMonotone: [], peaks: null, metricsNote: "off" })] : [];
  return buildCapacityDocument({ plan: PLAN, runId: "pod-run", status: final ? "complete" : "partial", startedAt: "s", endedAt: "e", harnessVersion: "h", target: { baseUrl: "http://sim", endpoint: "/v1/completions", model: "llama", serverVersion: null, simulator: null, simulatorProfile: null }, request: "r", results, probes, runContext: CONTEXT, serverMetrics: "server metrics off (--no-server-metrics)", serverPeaks: {}, warnings: ["from the pod"] });
}
const block = (p: CapacityProbe) => capacityLogBlock(PROBE_MARKERS, p.index, { probe: p, summary: summary(p) });

describe("readCapacityLog", () => {
  it("reads every probe and the last document through progress lines, a line broken in two and a repeated block", () => {
    const second = block(P[1]!).split("\n");
    const json = second[2]!;
    const cut = json.indexOf(',"readings"'); // the runtime broke the long line here
    second.splice(2, 1, json.slice(0, cut), json.slice(cut));
    const log = [
      "kneepoint: native engine, capacity search against http://sim/v1/completions",
      capacityLogBlock(DOCUMENT_MARKERS, 0, jobDocument([], false)),
      "c=4  starting 44 requests",
      block(P[0]!),
      block(P[0]!), // a resumed stream delivered it twice
      "c=8  starting 44 requests",
      second.join("\n"),
      block(P[2]!),
      capacityLogBlock(DOCUMENT_MARKERS, 3, jobDocument(P, true)),
    ].join("\n");
    const read = readCapacityLog(log);
    expect(read.errors).toEqual([]);
    expect(read.probes.map((p) => p.probe)).toEqual(P);
    expect(read.probes[1]!.summary).toEqual(summary(P[1]!));
    expect(read.document).toMatchObject({ status: "complete", probes: P });
    expect(read.warnings).toEqual([expect.stringMatching(/^c=1: 2 results in the log/)]);
  });

  it("a Job killed in the middle of a block: an error naming it, never a fragment taken for a probe; the start document remains", () => {
    const cut = block(P[1]!);
    const log = capacityLogBlock(DOCUMENT_MARKERS, 0, jobDocument([], false)) + block(P[0]!) + cut.slice(0, cut.indexOf('"value"'));
    const read = readCapacityLog(log);
    expect(read.probes.map((p) => p.probe.index)).toEqual([1]);
    expect(read.errors).toEqual([expect.stringMatching(/c=2 \(block from line \d+\): no end marker before the end of the log/)]);
    expect(read.document).toMatchObject({ status: "partial", probes: [] });
  });

  it("a block whose JSON parses but is not a probe is an error, not a probe", () => {
    const log = capacityLogBlock(PROBE_MARKERS, 1, { slo: SLO.text, value: 3 });
    expect(readCapacityLog(log)).toMatchObject({ probes: [], errors: [expect.stringMatching(/probe #1: not a probe's result/)] });
  });
});

describe("assembleJobDocument", () => {
  const base = { axes: ["concurrency" as const], runId: "runner-run", endedAt: "later", peaks: null, serverMetrics: "not read", warnings: ["from the runner"] };

  it("the Job's final document: its outcome, the runner's run id and metrics, both sides' warnings", () => {
    const doc = assembleJobDocument({ ...base, logged: jobDocument(P, true), probes: P, jobSucceeded: true });
    expect(doc).toMatchObject({ runId: "runner-run", status: "complete", endedAt: "later", serverMetrics: "not read", warnings: ["from the pod", "from the runner"] });
    expect(doc.results).toMatchObject([{ axis: "concurrency", answer: 8, interval: [8, 16], reason: "converged", serverState: { note: "not read" } }]);
  });

  it("stopped before its final document: the bracket of the probes that came back, partial", () => {
    const doc = assembleJobDocument({ ...base, logged: jobDocument([], false), probes: P, jobSucceeded: false });
    expect(doc.status).toBe("partial");
    expect(doc.probes).toEqual(P);
    expect(doc.results).toMatchObject([{ answer: 8, interval: [8, 16], reason: "interrupted", bindingSlo: SLO.text }]);
  });

  it("a final document with a failed Job is still partial", () => {
    expect(assembleJobDocument({ ...base, logged: jobDocument(P, true), probes: P, jobSucceeded: false }).status).toBe("partial");
  });
});
