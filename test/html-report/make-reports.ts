/**
 * The reports the browser test opens, made as a user makes them: `kneepoint sweep` against a simulator
 * process (fast: --speedup), `kneepoint run -c` of a two-stage scenario (once with charts, once without),
 * `kneepoint report --compare` of the two, and `kneepoint capacity` with small probes and a loose tolerance.
 * Each with what the terminal printed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimProcess } from "../../src/cli/start-sim-process.ts";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";

export interface MadeReport {
  name: "sweep" | "scenario" | "comparison" | "capacity";
  /** The report.html the command wrote. */
  html: string;
  run: KneepointRun;
}

/** Two constant-rate stages of 1 s, short requests: a few seconds per run on the simulator. */
const SCENARIO = `api: { type: completion, streaming: true }
data:
  type: random
  input_distribution: { mean: 128, std_dev: 0, min: 128, max: 128 }
  output_distribution: { mean: 32, std_dev: 0, min: 32, max: 32 }
load:
  type: constant
  interval: 0
  stages:
    - { rate: 10, duration: 1 }
    - { rate: 25, duration: 1 }
server: { type: vllm, base_url: http://127.0.0.1:8000, ignore_eos: true }
report:
  request_lifecycle: { summary: true, per_stage: true }
`;

/** The directory a sweep wrote, from its "results: DIR (complete)" line. */
const resultsDir = (stdout: string) => /^results: (.+) \(/m.exec(stdout)?.[1] ?? "(no results line)";

export const SWEEP_SECRETS = { apiKey: "sk-html-report-secret-1", header: "hdr-html-secret-2" };

export async function makeReports(work: string): Promise<MadeReport[]> {
  const sim = await startSimProcess(["--profile", "h100-8b", "--speedup", "20"]);
  const kp = (args: string[], env: Record<string, string> = {}) =>
    runKneepoint(args, { env: { NO_COLOR: "1", BASE_URL: "", BENCH_MODEL: "", TOKENIZER: "", ENDPOINT: "", OPENAI_API_KEY: "", ...env } });
  try {
    const sweep = await kp(
      ["sweep", "--base-url", sim.url, "--concurrency", "1,2,4,8,16", "--num-prompts", "16", "--input-len", "64", "--output-len", "16", "--out", join(work, "sweep"), "--header", `X-Api-Key: ${SWEEP_SECRETS.header}`],
      { OPENAI_API_KEY: SWEEP_SECRETS.apiKey },
    );
    const config = join(work, "scenario.yaml");
    writeFileSync(config, SCENARIO);
    const dirA = join(work, "run-a");
    const dirB = join(work, "run-b");
    const runA = await kp(["run", "-c", config, "--output", dirA, "--set", `server.base_url=${sim.url}`]);
    const runB = await kp(["run", "-c", config, "--output", dirB, "--set", `server.base_url=${sim.url}`, "--no-charts"]);
    if (runB.code !== 0) throw new Error(`kneepoint run (second) failed:\n${runB.stderr}`);
    const outC = join(work, "compare");
    const compare = await kp(["report", "--compare", dirA, dirB, "--label", "first", "--label", "second <b>&", "--out", outC]);
    const capacity = await kp([
      "capacity", "--base-url", sim.url, "--slo", "p95(ttft)<=20ms", "--slo", "p99(itl)<=50ms", "--min-requests", "20", "--min-probe-s", "0.5", "--tail-samples", "2",
      "--input-len", "64", "--output-len", "16", "--tolerance", "0.25", "--out", join(work, "capacity"),
    ]);
    return [
      { name: "sweep", html: join(resultsDir(sweep.stdout), "report.html"), run: sweep },
      { name: "capacity", html: join(resultsDir(capacity.stdout), "report.html"), run: capacity },
      { name: "scenario", html: join(dirA, "report.html"), run: runA },
      { name: "comparison", html: join(outC, "report.html"), run: compare },
    ];
  } finally {
    await sim.stop();
  }
}
