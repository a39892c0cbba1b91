/**
 * `kneepoint run -c` of a data.type weka_trace_replay config, in its own process, against the simulator: the two
 * fixture traces replayed as two sessions over kneepoint's default corpus (which it says differs from 0.7.0's),
 * every call answered with its trace's `out` tokens (max_tokens, ignore_eos), the session reports written. And the
 * refusals a user meets first, with the field and the fix: no local tokenizer, a missing trace directory.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { runKneepoint } from "../run-kneepoint.ts";

const TRACES = fileURLToPath(new URL("../fixtures/weka-traces", import.meta.url));
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ ttftMs: 2, itlMs: 1, modelName: "sim-model" });
});
afterAll(async () => {
  await sim?.close();
});

function configFile(weka: object, extra: object = {}): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), "kp-weka-run-"));
  const config = join(dir, "weka.yaml");
  writeFileSync(
    config,
    stringify({
      api: { type: "chat", streaming: true },
      data: { type: "weka_trace_replay", weka_trace_replay: { max_wait_ms: 20, ...weka } },
      load: { type: "trace_session_replay", stages: [{ concurrent_sessions: 2 }], interval: 0, num_workers: 1, base_seed: 5 },
      server: { type: "vllm", base_url: sim.url, model_name: "sim-model", ignore_eos: true },
      tokenizer: { pretrained_model_name_or_path: TOKENIZER },
      report: { request_lifecycle: { per_request: true }, session_lifecycle: { summary: true, per_session: true } },
      ...extra,
    }),
  );
  return { dir, config };
}

describe("kneepoint run with data.type weka_trace_replay", () => {
  it("replays each trace as a session: every call answered with its recorded out tokens", async () => {
    const { dir, config } = configFile({ trace_directory: TRACES, default_block_size: 8 });
    const out = join(dir, "out");
    const run = await runKneepoint(["run", "-c", config, "--output", out, "--no-charts", "--no-server-metrics"]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const said = run.stdout + run.stderr;
    expect(said).toContain("weka_trace_replay: 2 trace(s), 2 session(s), 9 LLM calls");
    expect(said).toMatch(/inference-perf 0\.7\.0 uses its own shakespeare\.txt.*set data\.corpus_file_path/s);

    const per = JSON.parse(readFileSync(join(out, "per_request_lifecycle_metrics.json"), "utf8")) as Array<{ error: unknown; info: { response_metrics: { server_usage: { completion_tokens: number } } } }>;
    expect(per.map((r) => r.error)).toEqual(Array(9).fill(null));
    // the fixtures' `out`: agent-a 20, 10, 12, 4 and its sub-agent 8, 8, 5; agent-b 6, 3
    expect(per.map((r) => r.info.response_metrics.server_usage.completion_tokens).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 8, 8, 10, 12, 20]);
    const sessions = JSON.parse(readFileSync(join(out, "per_session_lifecycle_metrics.json"), "utf8")) as Array<{ session_id: string; file_path: string; num_events: number; success: boolean }>;
    expect(sessions.map((s) => [s.session_id, s.file_path, s.num_events, s.success]).sort()).toEqual([
      ["wekatrace0_agent-a", "agent-a", 7, true],
      ["wekatrace1_agent-b", "agent-b", 2, true],
    ]);
  }, 60_000);

  it("refuses a run without a local tokenizer, and a missing trace directory, naming the field and the fix", async () => {
    const noTok = configFile({ trace_directory: TRACES }, { tokenizer: undefined });
    const a = await runKneepoint(["run", "-c", noTok.config, "--output", join(noTok.dir, "out"), "--no-charts", "--no-server-metrics"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/weka_trace_replay rebuilds prompts from token ids, which needs a local tokenizer/);
    expect(a.stderr).toMatch(/tokenizer\.pretrained_model_name_or_path/);
    const missing = configFile({ trace_directory: join(TRACES, "nope") });
    const b = await runKneepoint(["run", "-c", missing.config, "--output", join(missing.dir, "out"), "--no-charts", "--no-server-metrics"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/data\.weka_trace_replay\.trace_directory: .*nope does not exist or is not a directory/);
    expect(b.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 60_000);
});
