/**
 * Every shipped scenario (benchmarks/scenarios/) run by `kneepoint run` against the simulator, unmodified except
 * for its durations (and, for the sweep, the probe's size), set with --set. Checks inference-perf's report files
 * and keys, the effective config.yaml, the summary table, exit 2 for an invalid config and --dry-run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { UsageError } from "../../src/errors.ts";
import { timeseriesFileSchema } from "../../src/report/compare/scenario-report-files.ts";
import { runProgram } from "./run-program.ts";

const SCENARIOS = fileURLToPath(new URL("../../benchmarks/scenarios/", import.meta.url));
const scenario = (name: string) => join(SCENARIOS, `${name}.yaml`);
const PERCENTILE_KEYS = ["mean", "min", "max", "p0.1", "p1", "p5", "p10", "p25", "median", "p75", "p90", "p95", "p99", "p99.9"];

let sim: SimProcess;
let fast: SimProcess;
beforeAll(async () => {
  [sim, fast] = await Promise.all([
    // Deterministic timings (first token after 5 ms, then one every 1 ms).
    startSimProcess(["--ttft-ms", "5", "--itl-ms", "1"]),
    // Tokens as fast as it can, and room for shared-prefix's 10k-token requests: their 1,000 output tokens would
    // otherwise take a second each and every one of its ten stages would wait that long to drain.
    startSimProcess(["--ttft-ms", "0", "--itl-ms", "0", "--max-model-len", "16384"]),
  ]);
});
afterAll(async () => {
  await Promise.all([sim?.stop(), fast?.stop()]);
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const readJson = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Json;

function expectDist(d: Json | null | undefined) {
  expect(d).toBeTruthy();
  expect(Object.keys(d!).sort()).toEqual([...PERCENTILE_KEYS].sort());
}

async function runScenario(name: string, sets: string[], target: SimProcess = sim, flags: string[] = []) {
  const out = mkdtempSync(join(tmpdir(), `kp-run-${name}-`));
  // Charts are rendered by the two-profile test (two-profiles-compare.test.ts); here, the files of each scenario.
  const run = await runProgram(["-c", scenario(name), "--output", out, "--no-charts", "--set", `server.base_url=${target.url}`, "--set", "load.interval=0", ...sets.flatMap((s) => ["--set", s]), ...flags]);
  expect(run.error, run.stderr).toBeNull();
  expect(run.stderr + run.stdout).not.toContain("REPORT VALIDATION ERROR"); // a kneepoint bug, by its own account
  return { out, run };
}

/** The files and keys inference-perf writes, for a run of `stages` stages. */
function checkReports(out: string, stages: number, opts: { perRequest?: boolean; target?: SimProcess } = {}) {
  const files = readdirSync(out).sort();
  const expected = [
    "config.yaml",
    "kneepoint_run.json",
    "server_metrics_timeseries.json",
    "summary_lifecycle_metrics.json",
    "validation.json",
    ...Array.from({ length: stages }, (_, i) => [`stage_${i}_lifecycle_metrics.json`, `inference-perf.partial.stage_${i}.yaml`]).flat(),
  ];
  if (opts.perRequest) expected.push("per_request_lifecycle_metrics.json", "kneepoint_per_request.json"); // the second is kneepoint's own
  expect(files).toEqual(expected.sort());
  const summary = readJson(out, "summary_lifecycle_metrics.json");
  expect(summary.failures.count).toBe(0);
  expect(summary.successes.count).toBeGreaterThan(0);
  expectDist(summary.load_summary.schedule_delay);
  for (const key of ["time_to_first_token", "inter_token_latency", "request_latency", "time_per_output_token", "normalized_time_per_output_token"]) {
    expectDist(summary.successes.latency[key]);
  }
  expect(summary.successes.throughput).toHaveProperty("output_tokens_per_sec");
  let total = 0;
  for (let i = 0; i < stages; i++) {
    const stage = readJson(out, `stage_${i}_lifecycle_metrics.json`);
    expect(stage.load_summary).toHaveProperty("requested_rate");
    expect(stage.load_summary).toHaveProperty("achieved_rate");
    total += stage.successes.count;
  }
  expect(total).toBe(summary.successes.count);
  // The simulator's /metrics scraped through the run, one window per stage.
  const series = timeseriesFileSchema.parse(readJson(out, "server_metrics_timeseries.json"));
  expect(series.samples.length).toBeGreaterThan(0);
  // The series are there and cover every stage. Whether a 4 Hz scrape catches a request in flight depends on how
  // long requests take (often not, at 1 QPS on a fast simulator); the values are checked in test/prometheus.
  expect(series.samples.every((x) => x.num_requests_running !== null && x.kv_cache_usage_perc !== null)).toBe(true);
  const times = series.samples.map((x) => x.t_epoch_s);
  for (const w of series.stages) expect(times.some((t) => t >= w.start_epoch_s && t <= w.end_epoch_s + 1)).toBe(true);
  expect(series.stages.map((w) => w.stage)).toEqual(Array.from({ length: stages }, (_, i) => i));
  const config = parseYaml(readFileSync(join(out, "config.yaml"), "utf8")) as Json;
  expect(config.server.base_url).toBe((opts.target ?? sim).url);
  expect(config.storage.local_storage.path).toBe(out); // --output is what the effective config says
  return { summary, config };
}

describe("kneepoint run on the shipped scenarios", () => {
  it("baseline: 512/128 fixed at 1 QPS; exact prompt lengths as the server counts them; secrets never written", async () => {
    const { out, run } = await runScenario("baseline", ["load.stages[0].duration=3", "server.api_key=sk-run-secret-1", "api.headers={X-Api-Token: hdr-run-secret-2}"]);
    const everything = readdirSync(out).map((f) => readFileSync(join(out, f), "utf8")).join("\n") + run.stdout + run.stderr;
    expect(everything).not.toContain("sk-run-secret-1");
    expect(everything).not.toContain("hdr-run-secret-2");
    const { summary, config } = checkReports(out, 1);
    expect(summary.successes.count).toBe(3);
    // usage.prompt_tokens of every request is the planned 512; output exactly 128 (ignore_eos).
    expect(summary.successes.prompt_tokens).toMatchObject({ total: 3 * 512, min: 512, max: 512 });
    expect(summary.successes.output_tokens).toMatchObject({ total: 3 * 128 });
    expect(config.load.stages).toEqual([{ rate: 1, duration: 3, num_requests: null, concurrency_level: null }]);
    expect(config.data.input_distribution).toMatchObject({ mean: 512, std_dev: 0, min: 512, max: 512 });
    expect(run.stdout).toMatch(/requested.*achieved req\/s/);
    expect(run.stdout).toMatch(/│\s+0 │\s+1 req\/s │/);
    expect(run.stderr).toMatch(/stage 0 constant 1 req\/s {2}3 ok, 0 failed/);
  });

  it("saturation: four constant stages, one report per stage", async () => {
    const { out } = await runScenario("saturation", [0, 1, 2, 3].map((i) => `load.stages[${i}].duration=1`));
    const { summary } = checkReports(out, 4);
    expect(summary.successes.count).toBe(5 + 10 + 20 + 40);
    expect(readJson(out, "stage_3_lifecycle_metrics.json").load_summary.requested_rate).toBe(40);
  });

  it("production: Poisson arrivals with the seed's length distributions", async () => {
    const { out } = await runScenario("production", ["load.stages[0].duration=2"]);
    const { summary } = checkReports(out, 1);
    expect(summary.successes.prompt_tokens.min).toBeGreaterThanOrEqual(128);
    expect(summary.successes.prompt_tokens.max).toBeLessThanOrEqual(4096);
  });

  it("sweep: the probe finds a rate, then the generated stages run and are reported", async () => {
    const { out, run } = await runScenario("sweep", ["load.sweep.num_requests=8", "load.sweep.timeout=3", "load.sweep.stage_duration=1", "load.sweep.num_stages=2"]);
    checkReports(out, 2);
    expect(run.stderr).toMatch(/sweep: saturation ≈ [\d.]+ req\/s/);
    expect(run.stdout).toMatch(/└[─┴]+┘\n.*\nsweep: saturation ≈ [\d.]+ req\/s .*; stages at [\d., ]+ req\/s\n/); // repeated under the table
    expect(readJson(out, "stage_1_lifecycle_metrics.json").load_summary.requested_rate).toBeGreaterThan(1);
  }, 60_000);

  it("shared-prefix: 83 groups × 3 prompts of 8000 + 1000 tokens, per-request report with the bodies sent", async () => {
    const { out } = await runScenario("shared-prefix", Array.from({ length: 10 }, (_, i) => `load.stages[${i}].duration=1`), fast);
    const { summary, config } = checkReports(out, 10, { perRequest: true, target: fast });
    expect(summary.successes.count).toBe(9 + 3 + 4 + 5 + 6 + 8 + 10 + 12 + 15 + 20);
    expect(summary.successes.prompt_tokens).toMatchObject({ min: 9000, max: 9000 });
    expect(config.data.shared_prefix).toMatchObject({ num_unique_system_prompts: 83, num_users_per_system_prompt: 3 });
    const perRequest = readJson(out, "per_request_lifecycle_metrics.json") as unknown as Json[];
    expect(perRequest).toHaveLength(summary.successes.count);
    const body = JSON.parse(perRequest[0]!.request) as Json;
    expect(body).toMatchObject({ model: "meta-llama/Llama-3.1-8B-Instruct", max_tokens: 1000, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
  }, 60_000);
});

describe("kneepoint run's warnings", () => {
  it("a stage held back by the in-flight cap is flagged live and again under the summary table", async () => {
    // One request in flight at a time (≈ 0.13 s each: 5 ms + 128 tokens × 1 ms) cannot send 20 req/s.
    const caps = ["load.num_workers=1", "load.worker_max_concurrency=1", "load.stages[0].rate=20", "load.stages[0].duration=1"];
    const { run } = await runScenario("baseline", caps);
    const flagged = /warning: stage 0: median schedule delay [\d.]+ ms exceeds 10 ms .*the client, not the server, is being measured/;
    expect(run.stderr).toMatch(flagged);
    expect(run.stdout).toMatch(flagged);
    expect(run.stdout).toMatch(/warning: stage 0: achieved [\d.]+ req\/s is \d+ % of the requested 20 req\/s/);
    expect(run.stdout.indexOf("warning: stage 0")).toBeGreaterThan(run.stdout.indexOf("median schedule delay > 10 ms")); // below the table's notes
  });
});

describe("kneepoint run --no-server-metrics", () => {
  it("reads no server metrics and writes no time series", async () => {
    const { out, run } = await runScenario("baseline", ["load.stages[0].duration=1"], sim, ["--no-server-metrics"]);
    expect(run.stderr).toContain("server time series: off (--no-server-metrics)");
    expect(readdirSync(out).sort()).toEqual(["config.yaml", "inference-perf.partial.stage_0.yaml", "kneepoint_run.json", "stage_0_lifecycle_metrics.json", "summary_lifecycle_metrics.json", "validation.json"]);
  });
});

describe("kneepoint run's errors and dry run", () => {
  it("a bucket that cannot be written: exit 3 after the local reports, with the summary table still printed", async () => {
    const bucket = "storage.simple_storage_service={bucket_name: results, endpoint_url: 'http://127.0.0.1:1'}";
    const out = mkdtempSync(join(tmpdir(), "kp-run-s3-down-"));
    const run = await runProgram(["-c", scenario("baseline"), "--output", out, "--set", `server.base_url=${sim.url}`, "--set", "load.stages[0].duration=1", "--set", bucket]);
    expect(run.code, run.stderr).toBe(3);
    expect((run.error as Error).message).toContain("results");
    expect(run.stdout).toMatch(/│\s+0 │\s+1 req\/s │/);
    expect(run.stdout).toContain(`reports: ${out} (not all stored)`);
    expect(run.stdout).toContain("charts: not rendered (the reports could not all be stored)");
    expect(readdirSync(out)).toContain("stage_0_lifecycle_metrics.json");
  });

  it("exits 2 for an invalid config, naming the key and the nearest valid one, and writes nothing", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kp-run-bad-")), "reports");
    const run = await runProgram(["-c", scenario("baseline"), "--output", out, "--set", "load.stage[0].duration=30"]);
    expect(run.code).toBe(2);
    expect(run.error).toBeInstanceOf(UsageError);
    expect((run.error as Error).message).toMatch(/--set load\.stage\[0\]\.duration=30: load\.stage is not a key; did you mean load\.stages\?/);
    expect(existsSync(out)).toBe(false);
  });

  it.each(["baseline", "saturation", "sweep", "production", "shared-prefix"])("--dry-run prints the plan of %s and sends nothing", async (name) => {
    // The shipped base_url (127.0.0.1:8000) is not the simulator's port: a dry run must not need it.
    const run = await runProgram(["-c", scenario(name), "--dry-run"]);
    expect(run.error).toBeNull();
    expect(run.stdout).toMatch(/^target: {3}http:\/\/127\.0\.0\.1:8000\/v1\/completions \(completion, streamed\)/);
    expect(run.stdout).toContain("(dry run: nothing was sent)");
  });
});
