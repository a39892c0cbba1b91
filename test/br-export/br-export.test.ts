/**
 * `kneepoint export --format llmd-br-v0.2` on a real sweep and a real scenario run against the simulator
 * (deterministic mode): the exported file is loaded by the llm-d BR v0.2.1 pydantic model that inference-perf
 * 0.7.0 vendors (br_validate.py, extra keys forbidden, units checked) with no error, and it round-trips: parsed
 * back, its numbers are the source files' (a sweep's ms keys as seconds, a scenario's partials unchanged).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";

const PEER = "inference-perf-0.7.0";
const skip = skipReason(PEER);
const VALIDATE = fileURLToPath(new URL("./br_validate.py", import.meta.url));
const ENV = { BASE_URL: "", BENCH_MODEL: "", TOKENIZER: "", ENDPOINT: "", OPENAI_API_KEY: "" };

interface Validation { documents: number; errors: { document: number; error: string }[] }

async function validate(file: string): Promise<Validation> {
  const run = await promisify(execFile)(peerBin(PEER, "python"), [VALIDATE, file], { maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout: string }) => err);
  return JSON.parse(run.stdout) as Validation;
}

type Obj = Record<string, any>;
let sim: RunningSimulator;
let work: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 20, itlMs: 5 });
  work = mkdtempSync(join(tmpdir(), "kp-br-export-"));
});
afterAll(async () => {
  await sim?.close();
});

describe.skipIf(skip !== undefined)("kneepoint export --format llmd-br-v0.2, checked by the real BR v0.2 schema", () => {
  it("a sweep: one valid document per step, numbers equal to step-c<N>.json in seconds", async () => {
    const out = join(work, "sweep");
    const sweep = await runKneepoint(["sweep", "--base-url", sim.url, "--concurrency", "1,2", "--num-prompts", "4", "--input-len", "16", "--output-len", "6", "--out", out, "--no-charts"], { env: ENV });
    expect(sweep.code, sweep.stderr).toBe(0);
    const dir = join(out, readdirSync(out)[0]!);
    const file = join(work, "sweep-br.yaml");
    const exp = await runKneepoint(["export", "--format", "llmd-br-v0.2", dir, "--out", file]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(await validate(file)).toEqual({ documents: 2, errors: [], dumped: expect.any(Array) });

    const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS() as Obj);
    for (const [i, c] of [1, 2].entries()) {
      const step = JSON.parse(readFileSync(join(dir, `step-c${c}.json`), "utf8")) as Obj;
      const doc = docs[i]!;
      expect(doc.scenario.load.standardized).toMatchObject({ tool: "kneepoint", concurrency: c, input_seq_len: { distribution: "fixed", value: 16 }, output_seq_len: { value: 6 } });
      expect(doc.scenario.stack[0].standardized).toMatchObject({ tool: "kneepoint-sim", emulates: expect.stringMatching(/^vllm /) });
      const agg = doc.results.request_performance.aggregate;
      expect(agg.requests).toMatchObject({ total: step.completed + step.failed, failures: step.failed });
      expect(agg.requests.input_length.mean).toBe(step.total_input_tokens / step.completed);
      const lat = agg.latency;
      for (const [key, m] of [["time_to_first_token", "ttft"], ["time_per_output_token", "tpot"], ["inter_token_latency", "itl"], ["request_latency", "e2el"]] as const) {
        expect(lat[key].mean, key).toBe(step[`mean_${m}_ms`] / 1000);
        expect(lat[key].stddev, key).toBe(step[`std_${m}_ms`] / 1000);
        for (const p of [50, 90, 95, 99]) expect(lat[key][`p${p}`], `${key} p${p}`).toBe(step[`p${p}_${m}_ms`] / 1000);
      }
      expect(lat.time_to_first_token.units).toBe("s");
      expect(lat.inter_token_latency.units).toBe("s/token");
      expect(agg.throughput.output_token_rate).toEqual({ units: "tokens/s", mean: step.output_throughput });
      expect(agg.throughput.request_rate).toEqual({ units: "queries/s", mean: step.request_throughput });
      expect(Date.parse(doc.run.time.start)).toBe(step.started_at_ms);
    }
  }, 120_000);

  it("a scenario: one valid document per stage, the partial's numbers unchanged, JSON with --out *.json", async () => {
    const dir = join(work, "scenario");
    const config = join(work, "scenario.yaml");
    writeFileSync(config, [
      "api: {type: completion, streaming: true}",
      "data: {type: random, input_distribution: {min: 24, max: 24, mean: 24, std_dev: 0}, output_distribution: {min: 8, max: 8, mean: 8, std_dev: 0}}",
      "load: {type: constant, stages: [{rate: 8, duration: 1}, {rate: 16, duration: 1}]}",
      `server: {type: vllm, base_url: '${sim.url}', ignore_eos: true}`,
      `storage: {local_storage: {path: '${dir}'}}`,
    ].join("\n"));
    const run = await runKneepoint(["run", "-c", config, "--no-charts"], { cwd: work, env: ENV });
    expect(run.code, run.stderr).toBe(0);
    const file = join(work, "scenario-br.json");
    const exp = await runKneepoint(["export", "--format", "llmd-br-v0.2", dir, "--out", file]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(await validate(file)).toEqual({ documents: 2, errors: [], dumped: expect.any(Array) });

    const docs = JSON.parse(readFileSync(file, "utf8")) as Obj[];
    for (const [stage, rate] of [[0, 8], [1, 16]] as const) {
      const partial = parse(readFileSync(join(dir, `inference-perf.partial.stage_${stage}.yaml`), "utf8")) as Obj;
      const doc = docs[stage]!;
      expect(doc.run).toMatchObject(partial.run);
      expect(doc.results.request_performance).toEqual(partial.results.request_performance);
      expect(doc.scenario.load.standardized).toMatchObject({ stage, rate_qps: rate, input_seq_len: { distribution: "fixed", value: 24 } });
      // kneepoint_run.json says the target was the simulator: labelled as such, never as a vLLM server.
      expect(doc.scenario.stack[0].standardized).toMatchObject({ tool: "kneepoint-sim", emulates: expect.stringMatching(/^vllm /) });
      expect(doc.results.observability.components[0].aggregate.kv_cache_usage.units).toBe("fraction");
    }
  }, 120_000);

  it("the validator is not vacuous: an unknown key and a wrong unit fail", async () => {
    const bad = join(work, "bad.json");
    const base = { version: "0.2.1", run: { uid: "x" }, results: { request_performance: { aggregate: { latency: { time_to_first_token: { units: "tokens/s", mean: 1 } } } } } };
    writeFileSync(bad, JSON.stringify([base, { ...base, results: {}, surprise: 1 }]));
    const v = await validate(bad);
    expect(v.errors.map((e) => e.document)).toEqual([0, 1]);
  }, 60_000);
});

describe("kneepoint export: usage errors", () => {
  it("exit 2 naming what is missing for a directory of neither kind, and for scenario reports without partials", async () => {
    const empty = mkdtempSync(join(tmpdir(), "kp-br-empty-"));
    const neither = await runKneepoint(["export", "--format", "llmd-br-v0.2", empty]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("no summary.json, no step-c<N>.json");
    expect(neither.stderr).toContain("no inference-perf.partial.stage_<N>.yaml");
    const legacy = fileURLToPath(new URL("../fixtures/scenario-reports/sim-h100-8b", import.meta.url));
    const old = await runKneepoint(["export", "--format", "llmd-br-v0.2", legacy]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("without BR partials");
    const noFormat = await runKneepoint(["export", empty]);
    expect(noFormat.code).toBe(2);
  }, 60_000);
});
