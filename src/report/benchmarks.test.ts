import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendBenchmarksSection } from "./append-benchmarks.ts";
import { buildBenchmarksSection, BENCHMARKS_HEADER } from "./benchmarks-section.ts";
import { diffAgainstBaseline, findBaseline } from "./baseline-diff.ts";
import { parseRecordedRuns, recordComment, type RecordedRun } from "./recorded-run.ts";
import { RUN_CONTEXT_FIELDS, type RunContext } from "./run-context.ts";
import type { StepResult } from "../metrics/summarize-step.ts";
import type { StepRow } from "./step-rows.ts";

const GOLDEN = new URL("../../test/goldens/benchmarks-section.md", import.meta.url);

function run(id: string, over: Partial<RecordedRun> = {}, thr = 1000): RecordedRun {
  return {
    runId: id,
    recordedAt: "2026-11-23 20:00 UTC",
    model: "meta-llama/Llama-3.1-8B-Instruct",
    shape: "256/128 /v1/completions",
    simulated: false,
    gpu: "NVIDIA H100 80GB HBM3 ×1",
    knee: null,
    steps: [{ c: 8, reqPerS: 8, outTokPerS: thr, ttftP50Ms: 50, ttftP99Ms: 80, itlP50Ms: 7, e2elP50Ms: 950, e2elP99Ms: 1000, failed: 0 }],
    ...over,
  };
}

const result = {
  request_throughput: 8.06, output_throughput: 1032.4, median_ttft_ms: 84.1, p50_ttft_ms: 84.1, p95_ttft_ms: 96, p99_ttft_ms: 96.2,
  median_itl_ms: 7.1, p50_itl_ms: 7.1, p95_itl_ms: 9, median_e2el_ms: 989, p50_e2el_ms: 989, p99_e2el_ms: 1002, completed: 32, failed: 0,
} as unknown as StepResult;

const context: RunContext = {
  commit: "abc1234", gpu: "NVIDIA H100 80GB HBM3 ×1", machineType: "unknown", driver: "550.54.15", cuda: "unknown", model: "meta-llama/Llama-3.1-8B-Instruct",
  dtype: "unknown", vllmVersion: "0.11.0", serverArgs: "unknown", requestShape: "256 in / 128 out tokens, /v1/completions, ignore_eos true, streamed",
  loadPattern: "closed loop, concurrency 8, max(32, 8×c) requests per step, seed 42, warmup 0", engine: "native (kneepoint 0.1.0)", harnessVersion: "0.1.0", targetKind: "vllm",
};

describe("baseline", () => {
  it("is the last run of the same model, shape and kind; simulated runs never baseline GPU runs", () => {
    const prev = [run("a"), run("b", { simulated: true, gpu: "sim h100" }), run("c", { shape: "512/128 /v1/completions" }), run("d")];
    expect(findBaseline(run("now"), prev)?.runId).toBe("d");
    expect(findBaseline(run("now", { simulated: true, gpu: "sim h100" }), prev)?.runId).toBe("b");
    expect(findBaseline(run("now", { simulated: true, gpu: "sim other" }), prev)).toBeNull();
  });

  it("flags a throughput drop and a latency rise beyond the threshold (hand-computed)", () => {
    const diff = diffAgainstBaseline(run("now", {}, 850), run("base", {}, 1000));
    expect(diff.steps[0]!.outTokPerS).toBeCloseTo(-0.15, 12);
    expect(diff.regressions).toEqual(["output tok/s -15% at c=8"]);
    expect(diffAgainstBaseline(run("now", {}, 950), run("base")).regressions).toEqual([]);
  });
});

describe("benchmarks.md", () => {
  const rows: StepRow[] = [{ concurrency: 8, result, partial: false, peaks: null }];
  const section = (r: RecordedRun) =>
    buildBenchmarksSection({ record: r, rows, analysis: { knee: { concurrency: 8, gains: [] }, verdict: null }, context, diff: null });

  it("renders a section that matches the golden file", () => {
    const text = section(run("20261123-200000-abcd"));
    if (process.env.UPDATE_GOLDENS === "1" || !existsSync(GOLDEN)) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("explains every run context field in its header", () => {
    for (const f of RUN_CONTEXT_FIELDS) expect(BENCHMARKS_HEADER).toContain(`**${f.label}**`);
  });

  it("round-trips the machine-readable record through its comment", () => {
    const r = run("x", { model: "evil--model" });
    expect(parseRecordedRuns(`text\n${recordComment(r)}\nmore`)).toEqual([r]);
  });

  it("appends whole sections atomically, also when several runs finish at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-bench-"));
    const path = join(dir, "benchmarks.md");
    const ids = Array.from({ length: 12 }, (_, i) => `run-${i}`);
    const seenPrevious: number[] = [];
    await Promise.all(
      ids.map((id) =>
        appendBenchmarksSection(path, (previous) => {
          seenPrevious.push(previous.length);
          return section(run(id));
        }),
      ),
    );
    const text = readFileSync(path, "utf8");
    expect(text.startsWith("# Benchmarks")).toBe(true);
    expect(parseRecordedRuns(text).map((r) => r.runId).sort()).toEqual([...ids].sort());
    // Serialized: each build saw every section written before it.
    expect([...seenPrevious].sort((a, b) => a - b)).toEqual(ids.map((_, i) => i));
    expect(readdirSync(dir)).toEqual(["benchmarks.md"]); // no temp or lock file left behind
  });

  it("leaves the file untouched when building the section fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-bench-"));
    const path = join(dir, "benchmarks.md");
    await appendBenchmarksSection(path, () => section(run("first")));
    const before = readFileSync(path, "utf8");
    await expect(appendBenchmarksSection(path, () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(dir)).toEqual(["benchmarks.md"]);
  });
});

describe("the shipped benchmarks.md", () => {
  it("starts with the generated header (regenerate it if the run context fields change)", () => {
    const shipped = readFileSync(new URL("../../benchmarks.md", import.meta.url), "utf8");
    expect(shipped.startsWith(BENCHMARKS_HEADER)).toBe(true);
  });
});
