/**
 * The BR0.2 partials `kneepoint run` writes, checked by inference-perf 0.7.0 itself (br_partial_check.py): a short
 * run against the simulator in deterministic mode, then
 *  - 0.7.0's BrPartialValidator (reportgen/br/v0_2/validation.py, run by reportgen/validation.py over the
 *    directory) finds nothing: schema, version, no nulls, distributions, run.time, agreement with
 *    stage_N_lifecycle_metrics;
 *  - for the same requests (per_request_lifecycle_metrics.json rebuilt as 0.7.0's RequestLifecycleMetric objects)
 *    and the same run ids and stage window, 0.7.0's build_partial_report + yaml.dump writes the same bytes.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { SimOptions } from "../../src/sim/sim-options.ts";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";

const PEER = "inference-perf-0.7.0";
const skip = skipReason(PEER);
const TINY_TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const CHECK = fileURLToPath(new URL("./br_partial_check.py", import.meta.url));
const OFFLINE = { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" };

interface Check {
  findings: { check: string; severity: string; message: string; report: string | null }[];
  expected: Record<string, string>;
}

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function runCase(configFile: string, simOptions: Partial<SimOptions>): Promise<{ dir: string; files: string[]; check: Check }> {
  // deterministic mode, as `kneepoint sim --port 0 --ttft-ms 20 --itl-ms 5`
  sim = await startSimulator({ port: 0, ttftMs: 20, itlMs: 5, ...simOptions });
  const work = mkdtempSync(join(tmpdir(), "kp-br-partial-"));
  const dir = join(work, "reports");
  const doc = parseDocument(readFileSync(fileURLToPath(new URL(`./configs/${configFile}`, import.meta.url)), "utf8"));
  doc.setIn(["server", "base_url"], sim.url);
  doc.setIn(["storage", "local_storage", "path"], dir);
  const hasTokenizer = doc.hasIn(["tokenizer", "pretrained_model_name_or_path"]);
  if (hasTokenizer) doc.setIn(["tokenizer", "pretrained_model_name_or_path"], TINY_TOKENIZER);
  const config = join(work, "config.yaml");
  writeFileSync(config, doc.toString());

  const run = await runKneepoint(["run", "-c", config], { cwd: work, env: OFFLINE });
  expect(run.code, run.stderr).toBe(0);
  const python = peerBin(PEER, "python");
  const { stdout } = await promisify(execFile)(python, [CHECK, dir, ...(hasTokenizer ? [TINY_TOKENIZER] : [])], {
    env: { ...process.env, ...OFFLINE },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { dir, files: readdirSync(dir).sort(), check: JSON.parse(stdout) as Check };
}

function expectSameAs070(dir: string, files: string[], check: Check, stages: number[]): void {
  expect(files.filter((f) => f.startsWith("inference-perf."))).toEqual(stages.map((s) => `inference-perf.partial.stage_${s}.yaml`));
  // 0.7.0's br_partial validator (the other validators judge the other files, which are not this test's)
  expect(check.findings.filter((f) => f.check.startsWith("br_partial"))).toEqual([]);
  expect(Object.keys(check.expected).sort()).toEqual(stages.map(String));
  for (const s of stages) {
    const ours = readFileSync(join(dir, `inference-perf.partial.stage_${s}.yaml`), "utf8");
    expect(ours, `stage ${s}`).toBe(check.expected[String(s)]);
  }
}

describe.skipIf(skip !== undefined)("BR0.2 partials, checked by inference-perf 0.7.0", () => {
  it("two streamed stages with a tokenizer (re-tokenized token times): valid, and byte for byte 0.7.0's", async () => {
    const { dir, files, check } = await runCase("two-stages-tokenizer.yaml", {});
    expectSameAs070(dir, files, check, [0, 1]);
    const uids = [0, 1].map((s) => /uid: (\S+)/.exec(readFileSync(join(dir, `inference-perf.partial.stage_${s}.yaml`), "utf8"))![1]);
    expect(uids[0]).toMatch(/^inference-perf-stage-0-[0-9a-f]{8}$/);
    expect(uids[1]).toMatch(/^inference-perf-stage-1-[0-9a-f]{8}$/);
    const eids = [0, 1].map((s) => /eid: (\S+)/.exec(readFileSync(join(dir, `inference-perf.partial.stage_${s}.yaml`), "utf8"))![1]);
    expect(eids[0]).toMatch(/^inference-perf-experiment-[0-9a-f]{8}$/);
    expect(eids[1]).toBe(eids[0]);
  }, 120_000);

  it("injected failures, chat, use_server_output_tokens, no tokenizer: valid, and byte for byte 0.7.0's", async () => {
    const { dir, files, check } = await runCase("chat-failures-server-tokens.yaml", { faultErrorRate: 0.3 });
    expectSameAs070(dir, files, check, [0]);
    expect(readFileSync(join(dir, "inference-perf.partial.stage_0.yaml"), "utf8")).toMatch(/failures: [1-9]/);
  }, 120_000);
});
