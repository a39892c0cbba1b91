/**
 * The example configs inference-perf ships (test/fixtures/inference-perf-examples/, README there) against
 * `kneepoint run --dry-run`, offline (HF_HUB_OFFLINE=1, an empty tokenizer cache), and against the real releases'
 * config parsers (0.7.0, the newest; 0.2.0, the AI on EKS chart's pin) with the checks their main.py makes
 * before sending (release_config.py). The claim proved: a config either release accepts is accepted by kneepoint,
 * or refused (exit 2) only as a feature kneepoint does not build yet, named in the message. A config both
 * releases refuse may be accepted or refused, but never crashes (exit 1).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INFERENCE_PERF_NEWEST, INFERENCE_PERF_OLDEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { seedHubCache, seedRepoInCache } from "../hub/fixture-hub.ts";
import { otelTraceDatasetRepo } from "../replay/otel-trace-dataset.ts";
import { runProgram, type ProgramRun } from "../scenarios-run/run-program.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/inference-perf-examples/", import.meta.url));
const CHECKER = fileURLToPath(new URL("./release_config.py", import.meta.url));
const NOT_BUILT = / is not supported yet by kneepoint run/;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const FILES = yamlFiles(FIXTURES).sort();

/**
 * The OTel examples name their traces relative to inference-perf's repository root (where its README runs them):
 * they are dry-run from the copy of that root, `<FIXTURES>/<release>/`, which holds the traces they read.
 */
async function inRepoRootOf<T>(file: string, run: () => Promise<T>): Promise<T> {
  const rel = relative(FIXTURES, file);
  if (!/^[^/]+\/examples\/otel\//.test(rel)) return run();
  const before = process.cwd();
  process.chdir(join(FIXTURES, rel.split("/")[0]!));
  try {
    return await run();
  } finally {
    process.chdir(before);
  }
}
const skip = skipReason(INFERENCE_PERF_NEWEST, INFERENCE_PERF_OLDEST);

interface Verdict {
  accepted: boolean;
  error: string | null;
}

function releaseVerdicts(peer: typeof INFERENCE_PERF_NEWEST): Map<string, Verdict> {
  const out = execFileSync(peerBin(peer, "python"), [CHECKER, "check", ...FILES], { encoding: "utf8", maxBuffer: 1 << 24 });
  return new Map(
    out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Verdict & { file: string })
      .map((v) => [v.file, { accepted: v.accepted, error: v.error }]),
  );
}

describe.skipIf(skip !== undefined)("inference-perf's example configs: accepted by a release ⇒ accepted by kneepoint run, or refused as not built yet", () => {
  const env = { HF_HUB_OFFLINE: "1", KNEEPOINT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kp-no-tokenizers-")) };
  // The Hub datasets the examples stream (ShareGPT), as a Hugging Face cache holds them: read offline.
  seedHubCache(join(env.KNEEPOINT_CACHE_DIR, "huggingface", "hub"));
  // otel/configs/simple/hf_dataset_example.yml's traces (lenadan/otel-test-snippet-jsonl): a stand-in of the fixture traces
  seedRepoInCache(join(env.KNEEPOINT_CACHE_DIR, "huggingface", "hub"), otelTraceDatasetRepo("lenadan/otel-test-snippet-jsonl"));
  const kneepoint = new Map<string, ProgramRun>();
  let newest: Map<string, Verdict>;
  let oldest: Map<string, Verdict>;

  beforeAll(async () => {
    newest = releaseVerdicts(INFERENCE_PERF_NEWEST);
    oldest = releaseVerdicts(INFERENCE_PERF_OLDEST);
    for (const file of FILES) kneepoint.set(file, await inRepoRootOf(file, () => runProgram(["--dry-run", "-c", file], env)));
  }, 120_000);

  afterAll(() => {
    // The counts of the report (research/inference-perf-parity.md item "Example configs of the releases").
    const rows = FILES.map((f) => {
      const run = kneepoint.get(f)!;
      const message = run.error instanceof Error ? run.error.message : "";
      const outcome = run.code === 0 ? "accepted" : NOT_BUILT.test(message) ? `not built: ${message.split("\n").filter((l) => NOT_BUILT.test(l)).map((l) => l.replace(/^.*?: (?=[a-z_.]+)/, "").replace(NOT_BUILT, "")).join("; ")}` : `refused (exit ${run.code}): ${message.split("\n").slice(0, 2).join(" ")}`;
      return `${relative(FIXTURES, f)}\t0.7.0 ${newest?.get(f)?.accepted ? "accepts" : "refuses"}\t0.2.0 ${oldest?.get(f)?.accepted ? "accepts" : "refuses"}\tkneepoint ${outcome}`;
    });
    console.log(`inference-perf example configs (${FILES.length}):\n${rows.join("\n")}`);
  });

  it.each(FILES.map((f) => [relative(FIXTURES, f), f]))("%s", (_name, file) => {
    const run = kneepoint.get(file)!;
    const message = run.error instanceof Error ? run.error.message : String(run.error ?? "");
    expect(run.code, message).not.toBe(1);
    const release = newest.get(file)!.accepted || oldest.get(file)!.accepted;
    if (!release) return;
    if (run.code === 0) {
      expect(run.stdout).toContain("(dry run: nothing was sent)");
    } else {
      expect(run.code, message).toBe(2);
      expect(message).toMatch(NOT_BUILT);
    }
  });

  it("otel hf_dataset_example.yml: accepted, its traces read from the Hugging Face cache (2 records, 9 LLM calls)", () => {
    const run = kneepoint.get(join(FIXTURES, "0.7.0/examples/otel/configs/simple/hf_dataset_example.yml"))!;
    expect(run.code, run.error instanceof Error ? run.error.message : "").toBe(0);
    expect(run.stdout).toContain("otel_trace_replay: 2 trace record(s) of lenadan/otel-test-snippet-jsonl train (Hugging Face Hub), 2 session(s), 9 LLM calls");
  });

  it("the dry run works offline: approximate counts, said so, exit 0", () => {
    const run = kneepoint.get(join(FIXTURES, "0.7.0/examples/vllm/config-synthetic.yml"))!;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/token counts in this preview are approximate .*HF_HUB_OFFLINE is set and HuggingFaceTB\/SmolLM2-135M-Instruct's tokenizer is not cached/);
  });

  it("the synthetic_agentic examples are accepted (0.7.0 accepts both), every session built: 5 sessions of 1 + 2 tool-loop calls, and 5 of one call", () => {
    for (const [file, built] of [
      ["0.7.0/examples/synthetic_agentic/configs/single_agent_smoke.yml", "synthetic_agentic: 5 session(s), 15 LLM calls (seed 42)"],
      ["0.7.0/examples/synthetic_agentic/demo/01_bare_no_tools.yml", "synthetic_agentic: 5 session(s), 5 LLM calls (seed 1)"],
    ] as const) {
      const run = kneepoint.get(join(FIXTURES, file))!;
      expect(newest.get(join(FIXTURES, file))!.accepted, file).toBe(true);
      expect(run.code, String(run.error)).toBe(0);
      expect(run.stdout).toContain(built);
    }
  });

  it("as its own process too: exit 0, a key neither release knows named in a warning, also when the config is refused", async () => {
    const file = join(FIXTURES, "0.2.0/examples/vllm/config-autostage.yml");
    const run = await runKneepoint(["run", "--dry-run", "-c", file], { env });
    // auto_stage (the sweep's name before v0.2.0) leaves no stages: both releases stop at main.py's check too.
    expect(oldest.get(file)!.accepted).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/load\.stages: set at least one stage, or a sweep block\n[\s\S]*\(warning: .*load\.auto_stage is not a key/);
    const random = await runKneepoint(["run", "--dry-run", "-c", join(FIXTURES, "0.7.0/examples/vllm/config-random.yml")], { env });
    expect(random.code, random.stderr).toBe(0);
  }, 60_000);
});
