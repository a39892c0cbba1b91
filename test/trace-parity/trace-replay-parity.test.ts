/**
 * load.type trace_replay with data.trace: the real inference-perf 0.7.0 and `kneepoint run` on the same config and
 * trace (test/fixtures/traces/azure-tiny.csv), each against its own simulator in deterministic mode, through the
 * parity harness's pieces (test/parity/, reused, not edited). Compared: the report's counts and rates, each
 * request's lengths (max_tokens and the server's completion_tokens; the prompt's length in the configured tokenizer,
 * with its special tokens — the server's prompt_tokens count in the simulator's own vocabulary instead) and the send
 * schedule — both tools send request k of a stage at the stage start + the k-th row's offset.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/server.ts";
import { allowedBy } from "../parity/allow-list.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { writeHfCacheStandIn } from "../parity/hf-cache-stand-in.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { BASE_SIM_OPTIONS } from "../parity/parity-cases.ts";
import { renderCaseConfig, TINY_TOKENIZER_DIR } from "../parity/run-parity-case.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { loadLocalTokenizer } from "../../src/tokenizer/local-tokenizer.ts";

const TRACE = fileURLToPath(new URL("../fixtures/traces/azure-tiny.csv", import.meta.url));
/** The trace by hand: [offset ms, ContextTokens, GeneratedTokens]. */
const ROWS = [[0, 40, 5], [50, 12, 3], [300.001, 64, 8], [400, 25, 2], [400, 33, 4], [800, 18, 6]] as const;
const CONFIG = `
api: {type: completion, streaming: true}
data:
  type: random
  trace: {file: ${TRACE}, format: AzurePublicDataset}
load:
  type: trace_replay
  trace: {file: ${TRACE}, format: AzurePublicDataset}
  interval: 1
  num_workers: 2
  stages:
    - {rate: 5, duration: 2}
    - {rate: 9, duration: 1}
server: {type: vllm, base_url: http://127.0.0.1:1, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: TINY_TOKENIZER}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
storage:
  local_storage: {path: reports}
`;
const SIM_MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const skip = skipReason(INFERENCE_PERF_NEWEST);

interface Entry { start_time: number; request: string; info: { input_tokens: number; response_metrics: { server_usage: { completion_tokens: number } } }; error: unknown }
interface Stage { load_summary: { count: number; requested_rate: number; achieved_rate: number }; successes: { count: number }; failures: { count: number } }
interface Sent { stage: number; relMs: number; maxTokens: number; completion: number; prompt: string }
type Tool = "inference-perf" | "kneepoint";
const runs = new Map<Tool, { dir: string; stages: Stage[]; sent: Sent[] }>();

/** Requests of a report dir by stage: each stage's requests are the 6 that start after the previous stage's. */
function readRun(dir: string): { stages: Stage[]; sent: Sent[] } {
  const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as T;
  const stages = [0, 1].map((i) => read<Stage>(`stage_${i}_lifecycle_metrics.json`));
  const entries = read<Entry[]>("per_request_lifecycle_metrics.json").sort((a, b) => a.start_time - b.start_time);
  const sent = entries.map((e, i) => {
    const stage = Math.floor(i / ROWS.length);
    const first = entries[stage * ROWS.length]!.start_time;
    const body = JSON.parse(e.request) as { max_tokens: number; prompt: string };
    return { stage, relMs: (e.start_time - first) * 1000, maxTokens: body.max_tokens, completion: e.info.response_metrics.server_usage.completion_tokens, prompt: body.prompt };
  });
  return { stages, sent };
}

describe.skipIf(skip !== undefined)("trace_replay parity with inference-perf 0.7.0", () => {
  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), "kp-trace-parity-"));
    const hfHome = join(work, "hf");
    writeHfCacheStandIn(hfHome, SIM_MODEL, TINY_TOKENIZER_DIR);
    const env = { HF_HOME: hfHome, HF_HUB_OFFLINE: "1", KNEEPOINT_CACHE_DIR: join(work, "kp-cache") };
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      const sim = await startSimulator({ ...BASE_SIM_OPTIONS, port: 0 });
      try {
        const cwd = join(work, tool);
        mkdirSync(cwd, { recursive: true });
        const dir = join(cwd, "reports");
        const config = join(cwd, "config.yaml");
        writeFileSync(config, renderCaseConfig(CONFIG, sim.url, dir));
        const run =
          tool === "kneepoint"
            ? await runKneepoint(["run", "-c", config, "--no-charts", "--no-server-metrics"], { cwd, env })
            : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", config], { cwd, env: { ...process.env, ...env }, timeoutMs: 60_000 });
        if (run.code !== 0) throw new Error(`${tool} exited ${run.code}: ${tail(run.stderr + run.stdout)}`);
        runs.set(tool, { dir, ...readRun(dir) });
      } finally {
        await sim.close();
      }
    }
  }, 180_000);

  it("both send one request per trace row in every stage, all succeeding, and report the stage's rate as requested_rate", () => {
    for (const tool of ["inference-perf", "kneepoint"] as const) {
      const { stages } = runs.get(tool)!;
      expect(stages.map((s) => [s.load_summary.count, s.successes.count, s.failures.count, s.load_summary.requested_rate]), tool).toEqual([[6, 6, 0, 5], [6, 6, 0, 9]]);
    }
    const ip = runs.get("inference-perf")!.stages.map((s) => s.load_summary.achieved_rate);
    const kp = runs.get("kneepoint")!.stages.map((s) => s.load_summary.achieved_rate);
    console.log(`achieved_rate: inference-perf ${ip.join(", ")}; kneepoint ${kp.join(", ")}`);
    kp.forEach((r, i) => expect(Math.abs(r / ip[i]! - 1)).toBeLessThan(0.05));
  });

  it("kneepoint writes inference-perf's files with its key paths and types, and the same counts (the parity harness's checks a–c)", () => {
    const f = compareReportDirs(readReportDir(runs.get("inference-perf")!.dir), readReportDir(runs.get("kneepoint")!.dir));
    expect([...f.files.missing, ...f.files.extraMatchingGlobs.map((e) => e.name), ...f.unreadable]).toEqual([]);
    expect(f.shapes.flatMap(({ document, findings }) => formatShapeDifferences(findings.filter((d) => !allowedBy(document, d))).map((l) => `${document}: ${l}`))).toEqual([]);
    expect(f.counts.flatMap((c) => c.findings.map((d) => `${c.document}: ${d.field} inference-perf ${d.ip}, kneepoint ${d.kp}`))).toEqual([]);
    console.log(`per-request token differences: ${f.tokens.map((t) => `${t.field}: ${t.ip} / ${t.kp}`).join("; ") || "none"}`);
  });

  it("both send at the trace's offsets, with its lengths", async () => {
    const ip = runs.get("inference-perf")!.sent;
    const kp = runs.get("kneepoint")!.sent;
    const lines = ip.map((r, i) => `stage ${r.stage}: ${r.relMs.toFixed(2)} / ${kp[i]!.relMs.toFixed(2)} ms, max_tokens ${r.maxTokens}/${kp[i]!.maxTokens}`);
    console.log(`send schedule (inference-perf / kneepoint):\n  ${lines.join("\n  ")}`);
    for (const sent of [ip, kp]) {
      expect(sent).toHaveLength(12);
      sent.forEach((r, i) => expect(Math.abs(r.relMs - ROWS[i % 6]![0])).toBeLessThan(20));
      // Rows 3 and 4 share a timestamp, so their order of sending is free: compare lengths as sets per time.
      const lengths = (s: Sent[]) => s.map((r) => `${r.stage}@${ROWS[ROWS.findIndex((row) => Math.abs(row[0] - r.relMs) < 20)]![0]}:${r.maxTokens}/${r.completion}`).sort();
      expect(lengths(sent)).toEqual(lengths(ip));
      expect(sent.map((r) => r.maxTokens).sort()).toEqual([...ROWS, ...ROWS].map((r) => r[2]).sort());
      expect(sent.every((r) => r.completion === r.maxTokens)).toBe(true);
    }
    // The prompt's length in the configured tokenizer (with the BOS it adds) is the row's ContextTokens in both.
    const tok = await loadLocalTokenizer(TINY_TOKENIZER_DIR, {});
    const special = await tok.specialTokenCount();
    const inputs = async (s: Sent[]) => (await Promise.all(s.map(async (r) => `${r.maxTokens}:${(await tok.encode(r.prompt)).length + special}`))).sort();
    const expected = [...ROWS, ...ROWS].map((r) => `${r[2]}:${r[1]}`).sort();
    expect(await inputs(ip)).toEqual(expected);
    expect(await inputs(kp)).toEqual(expected);
  });
});
