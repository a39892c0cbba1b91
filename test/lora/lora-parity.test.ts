/**
 * load.lora_traffic_split: the real inference-perf 0.7.0 and `kneepoint run` on the same config, each against its own
 * simulator serving the same adapters (--lora-modules sql=… chat=…, deterministic mode). Compared: the file names
 * (adapter_<a>_lifecycle_metrics, adapter_<a>_stage_N_…), every document's key paths and types, the summary's and
 * stages' counts, the per-adapter request counts against each tool's own per-request file (0.7.0 draws adapters
 * unseeded, so the two tools' splits agree in distribution, not request by request), the latency p25 and median
 * within the central tolerance the parity test uses, and numpy's choice from a uniform against kneepoint's.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { adapterAt } from "../../src/scenarios/data/lora-traffic-split.ts";
import { allowedBy } from "../parity/allow-list.ts";
import { compareReportDirs } from "../parity/compare-report-dirs.ts";
import { formatShapeDifferences } from "../parity/format-findings.ts";
import { compareLatencies, formatStatComparison } from "../parity/latency-diff.ts";
import { BASE_SIM_OPTIONS } from "../parity/parity-cases.ts";
import { readReportDir } from "../parity/report-dir.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runBothTools, type BothRuns, type Tool } from "./run-both-tools.ts";

// Every (adapter, stage) bucket must get a request in both tools for the file sets to match: 0.7.0 draws unseeded,
// so the stages are long enough that an empty bucket is improbable (0.6^20 ≈ 4e-5 for chat in stage 1).
const SPLIT = [{ name: "sql", split: 0.6 }, { name: "chat", split: 0.4 }];
const CONFIG = `
api: {type: completion, streaming: true}
data: {type: mock}
load:
  type: constant
  interval: 1
  num_workers: 2
  stages:
    - {rate: 20, duration: 2}
    - {rate: 10, duration: 2}
  base_seed: 42
  lora_traffic_split: [{name: sql, split: 0.6}, {name: chat, split: 0.4}]
server: {type: vllm, base_url: http://127.0.0.1:1, ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: TINY_TOKENIZER}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true, per_adapter: true, per_adapter_stage: true}
storage:
  local_storage: {path: reports}
`;
const skip = skipReason(INFERENCE_PERF_NEWEST);
let runs: BothRuns;

interface Entry { request: string; info: { lora_adapter: string | null }; error: unknown }
const readJson = <T>(dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as T;

describe.skipIf(skip !== undefined)("multi-LoRA parity with inference-perf 0.7.0", () => {
  beforeAll(async () => {
    runs = await runBothTools("lora-parity", CONFIG, { ...BASE_SIM_OPTIONS, loraModules: SPLIT.map((a) => ({ name: a.name, path: `/adapters/${a.name}`, base_model_name: null })) });
    console.log(`run time: inference-perf ${(runs.durationMs["inference-perf"] / 1000).toFixed(1)} s, kneepoint ${(runs.durationMs.kneepoint / 1000).toFixed(1)} s`);
  }, 120_000);

  it("writes the same files, with the same key paths and types, and the same summary and stage counts", () => {
    const f = compareReportDirs(readReportDir(runs.dirs["inference-perf"]), readReportDir(runs.dirs.kneepoint));
    const ipFiles = readReportDir(runs.dirs["inference-perf"]).files.filter((n) => n.startsWith("adapter_"));
    expect(ipFiles.sort()).toEqual(["adapter_chat_lifecycle_metrics.json", "adapter_chat_stage_0_lifecycle_metrics.json", "adapter_chat_stage_1_lifecycle_metrics.json", "adapter_sql_lifecycle_metrics.json", "adapter_sql_stage_0_lifecycle_metrics.json", "adapter_sql_stage_1_lifecycle_metrics.json"]);
    expect([...f.files.missing, ...f.files.extraMatchingGlobs.map((e) => e.name), ...f.unreadable]).toEqual([]);
    expect(f.shapes.flatMap(({ document, findings }) => formatShapeDifferences(findings.filter((d) => !allowedBy(document, d))).map((l) => `${document}: ${l}`))).toEqual([]);
    expect(f.counts.flatMap((c) => c.findings.map((d) => `${c.document}: ${d.field} inference-perf ${d.ip}, kneepoint ${d.kp}`))).toEqual([]);
  });

  it("in both, each request names its adapter as model, and each adapter file counts the requests sent to it", () => {
    for (const tool of ["inference-perf", "kneepoint"] as Tool[]) {
      const dir = runs.dirs[tool];
      const entries = readJson<Entry[]>(dir, "per_request_lifecycle_metrics.json");
      expect(entries, tool).toHaveLength(60);
      for (const e of entries) expect(JSON.parse(e.request).model, tool).toBe(e.info.lora_adapter);
      const counts = SPLIT.map((a) => readJson<{ load_summary: { count: number } }>(dir, `adapter_${a.name}_lifecycle_metrics.json`).load_summary.count);
      expect(counts, tool).toEqual(SPLIT.map((a) => entries.filter((e) => e.info.lora_adapter === a.name).length));
      // Binomial(60, 0.4): mean 24, sd 3.8; 4 sd.
      expect(Math.abs(counts[1]! - 24), `${tool} chat count ${counts[1]}`).toBeLessThan(15.2);
      console.log(`${tool}: sql ${counts[0]}, chat ${counts[1]}`);
    }
  });

  it("latency p25 and median of the summary, stage and adapter files within the central tolerance", () => {
    const ip = readReportDir(runs.dirs["inference-perf"]);
    const kp = readReportDir(runs.dirs.kneepoint);
    const names = [...ip.documents.keys()].filter((n) => /^(summary|stage_\d+|adapter_.+)_lifecycle_metrics\.json$/.test(n));
    const central = names.flatMap((n) => compareLatencies(ip.documents.get(n)!, kp.documents.get(n)!).filter((c) => c.tier === "central").map((c) => ({ n, c })));
    console.log(central.filter(({ n }) => n.startsWith("adapter_sql_lifecycle") || n.startsWith("summary")).map(({ n, c }) => `${n} ${formatStatComparison(c)}`).join("\n"));
    expect(central.filter(({ c }) => !c.ok).map(({ n, c }) => `${n} ${formatStatComparison(c)}`)).toEqual([]);
  });

  it("maps a uniform to an adapter as numpy's np.random.choice(p=…) does (the draw 0.7.0 makes per request)", () => {
    const python = peerBin(INFERENCE_PERF_NEWEST, "python");
    const splits = [[0.7, 0.3], [0.1, 0.2, 0.7], [0.25, 0.25, 0.5], [0.0, 0.4, 0.6]];
    const script = `
import json, numpy as np
splits = json.loads(${JSON.stringify(JSON.stringify(splits))})
out = []
for p in splits:
    names = [str(i) for i in range(len(p))]
    for seed in range(500):
        np.random.seed(seed); u = float(np.random.random_sample())
        np.random.seed(seed); c = str(np.random.choice(names, p=p))
        out.append([p, u, c])
print(json.dumps(out))`;
    const draws = JSON.parse(execFileSync(python, ["-c", script], { encoding: "utf8" })) as Array<[number[], number, string]>;
    expect(draws).toHaveLength(2000);
    const mismatches = draws.filter(([p, u, c]) => adapterAt(p.map((s, i) => ({ name: String(i), split: s })), u) !== c);
    expect(mismatches).toEqual([]);
  });
});
