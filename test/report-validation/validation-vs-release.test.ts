/**
 * kneepoint's validation.json against inference-perf 0.7.0's own validator (validate_reports.py runs 0.7.0's
 * `validate_reports` in the release's venv on report files loaded back into its ReportFile objects):
 *  - a short `kneepoint run` against the simulator in deterministic mode (two constant stages, completion,
 *    streamed, a tokenizer, goodput, every lifecycle report, and the BR0.2 partials kneepoint writes): 0.7.0 finds
 *    no error in kneepoint's reports (its pydantic schema of the partials included), and its validation.json is
 *    kneepoint's, byte for byte;
 *  - the hand-made broken report sets (hand-made-report-sets.ts), written as kneepoint writes files: 0.7.0's
 *    findings, messages and bytes are kneepoint's, except the one known difference a set declares.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint, type KneepointRun } from "../run-kneepoint.ts";
import { buildValidationFile } from "../../src/scenarios/report/validate-reports.ts";
import { reportFileName, serializeReportFile } from "../../src/scenarios/storage/report-file.ts";
import { HAND_MADE_SETS } from "./hand-made-report-sets.ts";

const skip = skipReason("inference-perf-0.7.0") !== undefined;
const TOKENIZER = fileURLToPath(new URL("../fixtures/tiny-tokenizer", import.meta.url));
const HELPER = fileURLToPath(new URL("./validate_reports.py", import.meta.url));

const config = (baseUrl: string, reportDir: string) => `
api: {type: completion, streaming: true}
data:
  type: random
  input_distribution: {min: 24, max: 24, mean: 24, std_dev: 0}
  output_distribution: {min: 16, max: 16, mean: 16, std_dev: 0}
load:
  type: constant
  interval: 1
  stages:
    - {rate: 5, duration: 1}
    - {rate: 10, duration: 1}
server: {type: vllm, base_url: "${baseUrl}", ignore_eos: true}
tokenizer: {pretrained_model_name_or_path: "${TOKENIZER}"}
report:
  request_lifecycle: {summary: true, per_stage: true, per_request: true}
  goodput: {constraints: {ttft: 0.05, tpot: 0.02, request_latency: 1.0}}
storage: {local_storage: {path: "${reportDir}"}}
`;

describe.skipIf(skip)("validation.json as inference-perf 0.7.0's validate_reports writes it", () => {
  let sim: RunningSimulator;
  let run: KneepointRun;
  let reportDir: string;
  let release: string;

  beforeAll(async () => {
    sim = await startSimulator({ ttftMs: 20, itlMs: 5, port: 0 });
    const work = mkdtempSync(join(tmpdir(), "kp-validation-"));
    reportDir = join(work, "reports");
    writeFileSync(join(work, "config.yaml"), config(sim.url, reportDir));
    const env = { HF_HUB_OFFLINE: "1", HF_HOME: join(work, "hf"), KNEEPOINT_CACHE_DIR: join(work, "cache") };
    run = await runKneepoint(["run", "-c", join(work, "config.yaml")], { cwd: work, env });
    if (run.code !== 0) throw new Error(`kneepoint run failed (exit ${run.code}):\n${run.stderr}\n${run.stdout}`);
    const out = await promisify(execFile)(peerBin("inference-perf-0.7.0", "python"), [HELPER, reportDir], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    release = out.stdout;
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
  });

  it("0.7.0 finds no error in kneepoint's reports", () => {
    const parsed = JSON.parse(release) as { global: { errors: unknown[] }; reports: Record<string, { errors: unknown[] }> };
    const errors = [...parsed.global.errors, ...Object.values(parsed.reports).flatMap((g) => g.errors)];
    expect(errors).toEqual([]);
    expect(Object.keys(parsed.reports)).toEqual(["summary_lifecycle_metrics.json", "stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json", "per_request_lifecycle_metrics.json"].concat(Object.keys(parsed.reports).filter((k) => k.startsWith("inference-perf.partial."))));
  });

  it("kneepoint's validation.json is 0.7.0's, byte for byte", () => {
    expect(readFileSync(join(reportDir, "validation.json"), "utf8")).toBe(release);
  });

  it("kneepoint prints no report validation error", () => {
    expect(run.stderr + run.stdout).not.toMatch(/REPORT VALIDATION/);
  });
});

describe.skipIf(skip)("the hand-made broken report sets through 0.7.0's validate_reports", () => {
  let release: string[] = [];
  beforeAll(async () => {
    const dirs = HAND_MADE_SETS.map((set) => {
      const dir = mkdtempSync(join(tmpdir(), "kp-validation-set-"));
      for (const f of set.files) writeFileSync(join(dir, reportFileName(f)), serializeReportFile(f, "indented"));
      return dir;
    });
    const out = await promisify(execFile)(peerBin("inference-perf-0.7.0", "python"), [HELPER, ...dirs], { env: { ...process.env, HF_HUB_OFFLINE: "1" }, maxBuffer: 64 << 20 });
    release = JSON.parse(out.stdout) as string[];
  }, 60_000);

  HAND_MADE_SETS.forEach((set, i) => {
    it(`${set.name}: 0.7.0's validation.json is kneepoint's${set.knownDifference ? ` (except ${set.knownDifference})` : ""}`, () => {
      const [file] = buildValidationFile(set.files).files;
      const ours = serializeReportFile(file!, "indented");
      if (set.knownDifference === undefined) expect(ours).toBe(release[i]);
      else expect(maskSchemaMessages(ours)).toBe(maskSchemaMessages(release[i]!));
    });
  });
});

/** Blanks the messages of br_partial.schema findings (pydantic's text in 0.7.0). */
function maskSchemaMessages(text: string): string {
  return text.replace(/("check": "br_partial\.schema",\n\s*"severity": "error",\n\s*"message": )"(?:[^"\\]|\\.)*"/g, '$1"…"');
}
