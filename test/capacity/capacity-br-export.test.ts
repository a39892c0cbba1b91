/**
 * `kneepoint export --format llmd-br-v0.2` of a capacity run: one document per probe, valid against the llm-d BR
 * v0.2.1 pydantic model inference-perf 0.7.0 vendors (test/br-export/br_validate.py), and round-tripping: each
 * document's numbers are its probe-<n>.json's (ms as s), its load the probe's concurrency, the answer's probe
 * keyworded. The run is a short closed-loop search against the simulator in deterministic mode (20 ms TTFT, 5 ms
 * ITL, no batching: every level passes up to --max-concurrency 2).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";

const PEER = "inference-perf-0.7.0";
const skip = skipReason(PEER);
const VALIDATE = fileURLToPath(new URL("../br-export/br_validate.py", import.meta.url));
const ENV = { BASE_URL: "", BENCH_MODEL: "", TOKENIZER: "", ENDPOINT: "", OPENAI_API_KEY: "" };
type Obj = Record<string, any>;

let sim: RunningSimulator;
let work: string;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, ttftMs: 20, itlMs: 5 });
  work = mkdtempSync(join(tmpdir(), "kp-capacity-br-"));
});
afterAll(async () => {
  await sim?.close();
});

describe.skipIf(skip !== undefined)("kneepoint export of a capacity run, checked by the real BR v0.2 schema", () => {
  it("one valid document per probe, with the probe's numbers and load", async () => {
    const out = join(work, "results");
    const args = ["capacity", "--base-url", sim.url, "--slo", "p95(ttft)<=200ms", "--search", "concurrency", "--start-concurrency", "1", "--max-concurrency", "2"];
    const run = await runKneepoint([...args, "--input-len", "16", "--output-len", "6", "--min-requests", "20", "--tail-samples", "1", "--min-probe-s", "0", "--no-charts", "--out", out], { env: ENV });
    expect(run.code, run.stderr).toBe(0);
    const dir = join(out, readdirSync(out)[0]!);
    const file = join(work, "capacity-br.yaml");
    const exp = await runKneepoint(["export", "--format", "llmd-br-v0.2", dir, "--out", file]);
    expect(exp.code, exp.stderr).toBe(0);
    const validation = await promisify(execFile)(peerBin(PEER, "python"), [VALIDATE, file], { maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout: string }) => err);
    expect(JSON.parse(validation.stdout)).toMatchObject({ documents: 2, errors: [] });

    const text = readFileSync(file, "utf8");
    const docs = parseAllDocuments(text).map((d) => d.toJS() as Obj);
    for (const [i, c] of [1, 2].entries()) {
      const step = JSON.parse(readFileSync(join(dir, `probe-${i + 1}.json`), "utf8")) as Obj;
      const doc = docs[i]!;
      expect(doc.scenario.load.standardized).toMatchObject({ tool: "kneepoint", concurrency: c, input_seq_len: { distribution: "fixed", value: 16 }, output_seq_len: { value: 6 } });
      const agg = doc.results.request_performance.aggregate;
      expect(agg.requests).toMatchObject({ total: step.completed + step.failed, failures: step.failed });
      expect(agg.latency.time_to_first_token.p95).toBe(step.p95_ttft_ms / 1000);
      expect(doc.run.keywords).toContain("capacity");
    }
    // The search reached its maximum at c = 2: that probe is the answer.
    expect(docs[1]!.run.keywords).toContain("capacity-answer");
    expect(docs[0]!.run.keywords).not.toContain("capacity-answer");
  }, 60_000);
});
