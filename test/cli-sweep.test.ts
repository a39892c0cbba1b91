/**
 * `kneepoint sweep` as a user runs it: a real process against a simulator process. Checks the table, the
 * results directory, exit codes, secrets kept out of files, and Ctrl-C saving partial results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimProcess, type SimProcess } from "../src/cli/start-sim-process.ts";
import { runKneepoint, type KneepointRun } from "./run-kneepoint.ts";



function kneepoint(args: string[], opts: { env?: Record<string, string>; interruptAfterMs?: number } = {}): Promise<KneepointRun> {
  let interruptAfterMs = opts.interruptAfterMs;
  return runKneepoint(args, {
    env: { BASE_URL: "", BENCH_MODEL: "", TOKENIZER: "", ENDPOINT: "", OPENAI_API_KEY: "", ...opts.env },
    // Ctrl-C once the first step has begun.
    onStderr: (stderr, child) => {
      if (interruptAfterMs === undefined || !stderr.includes("c=") || child.killed) return;
      const after = interruptAfterMs;
      interruptAfterMs = undefined;
      setTimeout(() => child.kill("SIGINT"), after);
    },
  });
}

let sim: SimProcess;
beforeAll(async () => {
  sim = await startSimProcess(["--ttft-ms", "5", "--itl-ms", "2"]);
});
afterAll(async () => {
  await sim?.stop();
});

describe("kneepoint sweep (process)", () => {
  it("prints the table, writes the results directory with vLLM keys, and never writes the API key", async () => {
    const out = mkdtempSync(join(tmpdir(), "kp-sweep-"));
    const run = await kneepoint(
      ["sweep", "--base-url", sim.url, "--concurrency", "1,4", "--num-prompts", "8", "--input-len", "32", "--output-len", "8", "--out", out, "--header", "X-Api-Key: hdr-secret-1", "--record", join(out, "bench.md")],
      { env: { OPENAI_API_KEY: "sk-secret-value-1" } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/│\s+conc\s+│\s+req\/s/);
    expect(run.stdout).toMatch(/│\s+4 │/);
    const [runId] = readdirSync(out).filter((f) => f !== "bench.md");
    expect(run.stdout).toMatch(/^knee: /m);
    expect(run.stdout).toMatch(/^verdict: /m);
    const bench = readFileSync(join(out, "bench.md"), "utf8");
    expect(bench).toContain(`"runId":"${runId}"`);
    expect(bench).toContain("simulated (kneepoint-sim h100-8b)");
    expect(bench).not.toContain("sk-secret-value-1");
    const all = readdirSync(join(out, runId!)).sort();
    expect(all.filter((f) => f.endsWith(".png"))).toEqual(["kv-cache-and-queue-over-time.png", "latency-vs-concurrency.png", "latency-vs-throughput.png", "throughput-vs-concurrency.png"]);
    const files = all.filter((f) => !/\.(png|svg)$/.test(f));
    expect(files).toEqual(["analysis.json", "config.json", "plan.json", "report.html", "samples-c1.jsonl", "samples-c4.jsonl", "state-c1.json", "state-c4.json", "step-c1.json", "step-c4.json", "summary.json", "target.json"]);
    expect(run.stdout).toContain(`report: ${join(out, runId!, "report.html")}\n`);
    const step = JSON.parse(readFileSync(join(out, runId!, "step-c4.json"), "utf8")) as Record<string, unknown>;
    expect(step).toMatchObject({ completed: 8, failed: 0, max_concurrency: 4, total_output_tokens: 64, total_input_tokens: 256 });
    expect(Object.keys(step)).toContain("p99_itl_ms");
    const everything = files.map((f) => readFileSync(join(out, runId!, f), "utf8")).join("\n") + run.stdout + run.stderr;
    expect(everything).not.toContain("sk-secret-value-1");
    expect(everything).not.toContain("hdr-secret-1");
    expect(JSON.parse(readFileSync(join(out, runId!, "summary.json"), "utf8")).status).toBe("complete");

    const report = await kneepoint(["report", join(out, runId!)]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain("(complete)");
  });

  it("--dry-run prints the plan and sends nothing", async () => {
    const run = await kneepoint(["sweep", "--dry-run", "--base-url", "http://127.0.0.1:1"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("c=32");
    expect(run.stdout).toContain("nothing was sent");
  });

  it("exits 3 with a hint when the target is unreachable, 2 on a bad flag", async () => {
    const down = await kneepoint(["sweep", "--base-url", "http://127.0.0.1:1", "--concurrency", "1"]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach the target at http:\/\/127\.0\.0\.1:1/);
    expect(down.stderr).toMatch(/hint: .*kneepoint sim/);
    expect(down.stderr).not.toMatch(/\n\s+at /); // no stack without --debug
    const bad = await kneepoint(["sweep", "--concurrency", "1,x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency/);
    const badEndpoint = await kneepoint(["sweep", "--endpoint", "/v1/embeddings"]);
    expect(badEndpoint.code).toBe(2);
    expect(badEndpoint.stderr).toMatch(/--endpoint: must be a path ending in completions/);
  });

  it("on Ctrl-C stops, saves what was measured, marks the run partial and exits 130", async () => {
    const out = mkdtempSync(join(tmpdir(), "kp-int-"));
    const run = await kneepoint(
      ["sweep", "--base-url", sim.url, "--concurrency", "1,2", "--num-prompts", "400", "--input-len", "16", "--output-len", "64", "--out", out],
      { interruptAfterMs: 1500 },
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/stopping: no new requests/);
    const [runId] = readdirSync(out);
    const summary = JSON.parse(readFileSync(join(out, runId!, "summary.json"), "utf8")) as { status: string; steps: Array<{ completed: number; partial: boolean }> };
    expect(summary.status).toBe("partial");
    expect(summary.steps[0]!.partial).toBe(true);
    expect(summary.steps[0]!.completed).toBeGreaterThan(0);
    expect(run.stdout).toContain("1*");
  });
});
