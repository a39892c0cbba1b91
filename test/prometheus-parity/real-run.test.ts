/**
 * The real inference-perf 0.7.0 and `kneepoint run` on the same config (metrics.type: prometheus), against a real
 * Prometheus (Debian's /usr/bin/prometheus, 1 s scrapes) scraping kneepoint's simulator (deterministic: first token
 * at 20 ms, then one every 5 ms). Each tool loads its own simulator process, labelled namespace="ip" / "kp" in
 * Prometheus and selected by metrics.prometheus.filters, so both run at once without seeing each other's traffic;
 * the config is otherwise the same file. Compared:
 *  - the same *_prometheus_metrics.json files (stage_-1 for the sweep's probe), and the same text skeleton: keys,
 *    their order, indentation, and every number a Python float (strictly);
 *  - values loosely (they observe different runs): request counts against what each tool sent, latency means
 *    against the simulator's exact timing;
 *  - Prometheus down: both write the same zero-filled files and exit 0; kneepoint also says so loudly and keeps
 *    the truth (every query failed, every value null) in kneepoint_prometheus_report.json.
 * The sweep's stages differ by design (kneepoint estimates saturation with a concurrency ladder), so only its
 * files and shape are compared. The tokenizer is local (test/fixtures/tiny-tokenizer) and HF_HUB_OFFLINE=1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { skipWithoutPrometheus, startPrometheus, type RunningPrometheus } from "../prometheus/start-prometheus.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";

const SKIP = skipWithoutPrometheus() || skipReason(INFERENCE_PERF_NEWEST) !== undefined;
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const MODEL = "meta-llama/Llama-3.1-8B-Instruct";
/** Simulated server-side timing: e2e = 20 ms + 15 × 5 ms for 16 output tokens. */
const E2E_S = 0.095;
const TTFT_S = 0.02;

type Load = { interval?: number } & ({ stages: Array<{ rate: number; duration: number }> } | { sweep: Record<string, unknown> });
interface Ran {
  dir: string;
  code: number | null;
  stderr: string;
  stdout: string;
}
interface Case {
  ip: Ran;
  kp: Ran;
}

let temp: string;
const sims: SimProcess[] = [];
let prom: RunningPrometheus;
let stagesCase: Case;
let sweepCase: Case;
let downCase: Case;

function configFor(o: { name: string; sim: string; promUrl: string; namespace: string; load: Load }): string {
  const dist = (n: number) => ({ mean: n, std_dev: 0, min: n, max: n, total_count: 1000 });
  const config = {
    api: { type: "completion", streaming: true },
    data: { type: "random", input_distribution: dist(32), output_distribution: dist(16) },
    load: { type: "constant", interval: 0, num_workers: 2, ...o.load },
    server: { type: "vllm", model_name: MODEL, base_url: o.sim, ignore_eos: true },
    tokenizer: { pretrained_model_name_or_path: TOKENIZER },
    metrics: { type: "prometheus", prometheus: { url: o.promUrl, scrape_interval: 1, filters: [`namespace="${o.namespace}"`] } },
    report: { request_lifecycle: { summary: true, per_stage: true }, prometheus: { summary: true, per_stage: true } },
    storage: { local_storage: { path: join(temp, `${o.name}-out`) } },
  };
  const path = join(temp, `${o.name}.yml`);
  writeFileSync(path, stringify(config));
  return path;
}

function runInferencePerf(config: string): Promise<Omit<Ran, "dir">> {
  return new Promise((resolve) => {
    const child = spawn(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", config], {
      cwd: temp,
      env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Both tools on the same load; inference-perf against sims[0] (namespace ip), kneepoint against sims[1] (kp). */
async function runBoth(name: string, load: Load, promUrl: string, simIndex: [number, number] = [0, 1]): Promise<Case> {
  const ipConfig = configFor({ name: `${name}-ip`, sim: sims[simIndex[0]]!.url, promUrl, namespace: "ip", load });
  const kpConfig = configFor({ name: `${name}-kp`, sim: sims[simIndex[1]]!.url, promUrl, namespace: "kp", load });
  const [ip, kp] = await Promise.all([
    runInferencePerf(ipConfig),
    runKneepoint(["run", "-c", kpConfig, "--no-charts"], { env: { NO_COLOR: "1" } }) as Promise<KneepointRun>,
  ]);
  return { ip: { ...ip, dir: join(temp, `${name}-ip-out`) }, kp: { ...kp, dir: join(temp, `${name}-kp-out`) } };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  if (SKIP) return;
  temp = mkdtempSync(join(tmpdir(), "kp-prom-parity-"));
  for (let i = 0; i < 3; i++) sims.push(await startSimProcess(["--ttft-ms", "20", "--itl-ms", "5"]));
  prom = await startPrometheus(
    [
      { name: "ip", target: new URL(sims[0]!.url).host, metricsPath: "/metrics", labels: { namespace: "ip" } },
      { name: "kp", target: new URL(sims[1]!.url).host, metricsPath: "/metrics", labels: { namespace: "kp" } },
    ],
    1,
  );
  // interval 3 s: a stage's window (its end + scrape + 2 s) then holds none of the next stage's requests in either
  // tool (inference-perf's next stage also waits its 1 s queue-filling lead; kneepoint's sends at once).
  stagesCase = await runBoth("stages", { interval: 3, stages: [{ rate: 5, duration: 2 }, { rate: 10, duration: 2 }] }, prom.url);
  // The sweep (two simulators, scraped) and Prometheus down (the third simulator, not scraped) at once.
  const downUrl = `http://127.0.0.1:${await closedPort()}`;
  [sweepCase, downCase] = await Promise.all([
    runBoth("sweep", { sweep: { type: "linear", num_requests: 20, timeout: 10, num_stages: 2, stage_duration: 2 } }, prom.url),
    runBoth("down", { stages: [{ rate: 5, duration: 2 }] }, downUrl, [2, 2]),
  ]);
}, 150_000);
afterAll(async () => {
  await prom?.stop();
  await Promise.all(sims.map((s) => s.stop()));
  if (temp) rmSync(temp, { recursive: true, force: true });
});

const promFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith("_prometheus_metrics.json")).sort();
const text = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
/** Python's json.load of the file (NaN read as null by this parse; absent in these runs). */
const load = (dir: string, file: string) => JSON.parse(text(dir, file).replace(/\bNaN\b/g, "null")) as { successes: Record<string, unknown> };

/** The file's text with every number replaced by its Python type: keys, order, layout and types, no values. */
function skeleton(s: string): string {
  return s.replace(/"(?:[^"\\]|\\.)*"|-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|Infinity)|NaN/g, (m) => (m.startsWith('"') ? m : /[.eE]|NaN|Inf/.test(m) ? "<float>" : "<int>"));
}
const numbers = (o: unknown): unknown[] => (o !== null && typeof o === "object" ? Object.values(o).flatMap(numbers) : [o]);
const sent = (dir: string, file: string) => (JSON.parse(text(dir, file)) as { load_summary: { count: number } }).load_summary.count;
const summary = (dir: string, file: string, key: string) => load(dir, file).successes[key] as { mean: number; median: number; p90: number; p99: number };

function expectSameShape(c: Case, files: string[]): void {
  expect(c.ip.code, c.ip.stderr.slice(-3000)).toBe(0);
  expect(c.kp.code, c.kp.stderr.slice(-3000)).toBe(0);
  expect(promFiles(c.ip.dir)).toEqual(files);
  expect(promFiles(c.kp.dir)).toEqual(files);
  for (const f of files) {
    expect(skeleton(text(c.kp.dir, f)), f).toBe(skeleton(text(c.ip.dir, f)));
    expect(skeleton(text(c.kp.dir, f))).not.toContain("<int>");
  }
}

describe.skipIf(SKIP)("Prometheus reports: kneepoint run vs the real inference-perf 0.7.0", () => {
  it("stages: the same files, keys, order and types", () => {
    expectSameShape(stagesCase, ["stage_0_prometheus_metrics.json", "stage_1_prometheus_metrics.json", "summary_prometheus_metrics.json"]);
    expect(stagesCase.kp.stderr).not.toMatch(/PROMETHEUS REPORT NOT MEASURED|Prometheus report queries failed/);
  });

  it("stages: values close — counts near what each sent, latency means at the simulator's timing", () => {
    for (const c of [stagesCase.ip, stagesCase.kp]) {
      for (const i of [0, 1]) {
        const truth = sent(c.dir, `stage_${i}_lifecycle_metrics.json`);
        const counted = load(c.dir, `stage_${i}_prometheus_metrics.json`).successes.count as number;
        // increase() extrapolates to the window's edges and a stage's window holds a few quiet seconds: ≥ 0.8×, ≤ 3×.
        expect(counted, `${c.dir} stage ${i}: ${counted} counted, ${truth} sent`).toBeGreaterThanOrEqual(0.8 * truth);
        expect(counted).toBeLessThanOrEqual(3 * truth);
        expect(summary(c.dir, `stage_${i}_prometheus_metrics.json`, "request_latency").mean).toBeCloseTo(E2E_S, 2);
        expect(summary(c.dir, `stage_${i}_prometheus_metrics.json`, "time_to_first_token").mean).toBeCloseTo(TTFT_S, 2);
      }
    }
    // The two tools' counts and rates for the same stage, within a factor of 2 of each other.
    for (const f of ["stage_0_prometheus_metrics.json", "stage_1_prometheus_metrics.json", "summary_prometheus_metrics.json"]) {
      for (const key of ["count", "rate"]) {
        const a = load(stagesCase.ip.dir, f).successes[key] as number;
        const b = load(stagesCase.kp.dir, f).successes[key] as number;
        expect(b / a, `${f} ${key}: inference-perf ${a}, kneepoint ${b}`).toBeGreaterThan(0.5);
        expect(b / a, `${f} ${key}: inference-perf ${a}, kneepoint ${b}`).toBeLessThan(2);
      }
    }
  });

  it("sweep: stage_-1 for the probe and one file per generated stage, same shape; the probe's requests counted", () => {
    expectSameShape(sweepCase, ["stage_-1_prometheus_metrics.json", "stage_0_prometheus_metrics.json", "stage_1_prometheus_metrics.json", "summary_prometheus_metrics.json"]);
    for (const c of [sweepCase.ip, sweepCase.kp]) {
      expect(load(c.dir, "stage_-1_prometheus_metrics.json").successes.count as number, c.dir).toBeGreaterThan(0);
      // The summary window starts at the run's start, so it holds the probe's requests too.
      const all = load(c.dir, "summary_prometheus_metrics.json").successes.count as number;
      expect(all).toBeGreaterThanOrEqual(0.8 * (load(c.dir, "stage_-1_prometheus_metrics.json").successes.count as number));
    }
  });

  it("Prometheus down: both write the same zero-filled files and exit 0", () => {
    expectSameShape(downCase, ["stage_0_prometheus_metrics.json", "summary_prometheus_metrics.json"]);
    for (const f of promFiles(downCase.ip.dir)) {
      expect(text(downCase.kp.dir, f), f).toBe(text(downCase.ip.dir, f));
      expect(numbers(load(downCase.ip.dir, f)).every((v) => v === 0), f).toBe(true);
    }
  });

  it("Prometheus down: kneepoint says so loudly and keeps the truth beside the files", () => {
    expect(downCase.kp.stderr).toMatch(/warning: PROMETHEUS REPORT NOT MEASURED: Prometheus at http:\/\/127\.0\.0\.1:\d+\/? answered none of the \d+ report queries \(Prometheus is unreachable: ECONNREFUSED\)/);
    const truth = JSON.parse(text(downCase.kp.dir, "kneepoint_prometheus_report.json")) as {
      queries: { sent: number; failed: number };
      reports: Array<{ file: string; report: { successes: Record<string, unknown> } }>;
    };
    expect(truth.queries.failed).toBe(truth.queries.sent);
    // kneepoint's own file is out of inference-perf's names and globs (stage_*, summary_*, *_prometheus_metrics.json).
    expect("kneepoint_prometheus_report.json").not.toMatch(/^stage_|^summary_|_metrics\.json$/);
    expect(truth.reports.map((r) => r.file)).toEqual(["summary_prometheus_metrics.json", "stage_0_prometheus_metrics.json"]);
    expect(truth.reports[0]!.report.successes.count).toBeNull();
    expect(numbers(truth.reports[1]!.report.successes).every((v) => v === null || v === 0)).toBe(true);
  });
});
