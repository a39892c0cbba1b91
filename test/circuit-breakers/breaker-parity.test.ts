/**
 * circuit_breakers: the real inference-perf 0.7.0 and `kneepoint run` on the same config, each against its own
 * simulator answering half its requests with HTTP 500 (kneepoint sim --fault-error-rate 0.5, seeded: the same
 * faults in arrival order for both), and a breaker that watches every request (`@`) and trips when 30 % of at least 12
 * in a 10 s window failed (enough requests for both to have several successes to report). In both it trips in stage 0, which ends early and is reported from what
 * was sent; stage 1 sends nothing, so neither writes its file. Compared: the file names, every document's key paths
 * and types, the latency p25 and median of the successes within the central tolerance. Not compared: the request
 * counts — 0.7.0 looks at its breakers once a second (load_generator.py:1206-1231), kneepoint after every request,
 * so 0.7.0 goes on sending for up to a second after the trip.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { allowedBy } from "../parity/allow-list.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { compareLatencies, formatStatComparison } from "../parity/latency-diff.ts";
import { BASE_SIM_OPTIONS } from "../parity/parity-cases.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { runBothTools, type BothRuns } from "../lora/run-both-tools.ts";

const PLANNED_STAGE_0 = 60;
const CONFIG = `
circuit_breakers:
  - name: server_errors
    metrics:
      matches: ["@"]
      rules: ["error.error_type == 'HTTP Error 500'"]
    triggers:
      - {type: rate_over_window, window_sec: 10, threshold: 0.3, min_samples: 12}
api: {type: completion, streaming: true}
data: {type: mock}
load:
  type: constant
  interval: 1
  num_workers: 2
  stages:
    - {rate: 20, duration: 3}
    - {rate: 10, duration: 1}
  circuit_breakers: [server_errors]
server: {type: vllm, base_url: http://127.0.0.1:1, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: TINY_TOKENIZER}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
storage:
  local_storage: {path: reports}
`;
const skip = skipReason(INFERENCE_PERF_NEWEST);
let runs: BothRuns;
interface Report { load_summary: { count: number }; failures: { count: number } }

describe.skipIf(skip !== undefined)("circuit breaker parity with inference-perf 0.7.0", () => {
  beforeAll(async () => {
    runs = await runBothTools("breaker-parity", CONFIG, { ...BASE_SIM_OPTIONS, faultErrorRate: 0.5 });
    console.log(`run time: inference-perf ${(runs.durationMs["inference-perf"] / 1000).toFixed(1)} s, kneepoint ${(runs.durationMs.kneepoint / 1000).toFixed(1)} s`);
  }, 120_000);

  it("both trip the breaker in stage 0, stop it early and send nothing in stage 1", () => {
    expect(runs.stdout["inference-perf"]).toContain('Loadgen detects circuit breakers "server_errors" open, exit the stage.');
    expect(runs.stdout.kneepoint).toMatch(/stage 0: circuit breaker "server_errors" tripped .* \(trigger rate_over_window \(window 10 s, threshold 0\.3\): \d+\/12 hits/);
    const counts: string[] = [];
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      const read = <T>(name: string) => JSON.parse(readFileSync(join(runs.dirs[tool], name), "utf8")) as T;
      const stage0 = read<Report>("stage_0_lifecycle_metrics.json");
      expect(stage0.load_summary.count, tool).toBeLessThan(PLANNED_STAGE_0);
      expect(stage0.failures.count, tool).toBeGreaterThanOrEqual(4); // 0.3 × 12
      expect(read<Report>("summary_lifecycle_metrics.json").load_summary.count, tool).toBe(stage0.load_summary.count);
      counts.push(`${tool} sent ${stage0.load_summary.count} of ${PLANNED_STAGE_0} (${stage0.failures.count} failed)`);
    }
    const trip = JSON.parse(readFileSync(join(runs.dirs.kneepoint, "kneepoint_circuit_breakers.json"), "utf8")) as { breakers: Array<{ tripped: { seconds_into_stage: number; stage_requests_ended: number } }> };
    console.log(`${counts.join("; ")}; kneepoint tripped ${trip.breakers[0]!.tripped.seconds_into_stage.toFixed(2)} s into stage 0 after ${trip.breakers[0]!.tripped.stage_requests_ended} requests`);
  });

  it("writes the same files with the same key paths and types (no stage_1 file in either), and close latencies", () => {
    const ip = readReportDir(runs.dirs["inference-perf"]);
    const kp = readReportDir(runs.dirs.kneepoint);
    expect(ip.files.filter((n) => n.startsWith("stage_"))).toEqual(["stage_0_lifecycle_metrics.json"]);
    const f = compareReportDirs(ip, kp);
    expect([...f.files.missing, ...f.files.extraMatchingGlobs.map((e) => e.name), ...f.unreadable]).toEqual([]);
    expect(f.shapes.flatMap(({ document, findings }) => formatShapeDifferences(findings.filter((d) => !allowedBy(document, d))).map((l) => `${document}: ${l}`))).toEqual([]);
    const central = ["summary_lifecycle_metrics.json", "stage_0_lifecycle_metrics.json"].flatMap((n) => compareLatencies(ip.documents.get(n)!, kp.documents.get(n)!).filter((c) => c.tier === "central").map((c) => `${n} ${formatStatComparison(c)}${c.ok ? "" : "  OUTSIDE"}`));
    console.log(central.join("\n"));
    expect(central.filter((l) => l.endsWith("OUTSIDE"))).toEqual([]);
  });
});
