/**
 * Runs one parity case: the same config through the real inference-perf (0.7.0, and 0.2.0 where the case asks)
 * and through `kneepoint run -c`, each against its own fresh simulator in deterministic mode, each in its own
 * temporary working directory. Only server.base_url, storage.local_storage.path and the tokenizer's path differ
 * between the configs the tools get.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { INFERENCE_PERF_NEWEST, INFERENCE_PERF_OLDEST } from "../real-peers/pins.ts";
import { peerBin } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { BASE_SIM_OPTIONS, configPath, type ParityCase } from "./parity-cases.ts";
import { runChild, tail, type ChildRun } from "./run-child.ts";

export const TINY_TOKENIZER_DIR = fileURLToPath(new URL("../fixtures/tiny-tokenizer/", import.meta.url));
/** What the parity configs write where the tiny tokenizer's path goes. */
const TOKENIZER_PLACEHOLDER = "TINY_TOKENIZER";
const RUN_TIMEOUT_MS = 60_000;

export type Tool = "inference-perf-0.7.0" | "inference-perf-0.2.0" | "kneepoint";

export interface ToolRun {
  tool: Tool;
  reportDir: string;
  run: ChildRun;
}

export interface CaseRun {
  parityCase: ParityCase;
  runs: Partial<Record<Tool, ToolRun>>;
}

/** The case's config with this run's server, report directory and tokenizer path. */
export function renderCaseConfig(configText: string, baseUrl: string, reportDir: string): string {
  const doc = parseDocument(configText);
  doc.setIn(["server", "base_url"], baseUrl);
  doc.setIn(["storage", "local_storage", "path"], reportDir);
  if (doc.getIn(["tokenizer", "pretrained_model_name_or_path"]) === TOKENIZER_PLACEHOLDER) {
    doc.setIn(["tokenizer", "pretrained_model_name_or_path"], TINY_TOKENIZER_DIR.replace(/\/$/, ""));
  }
  return doc.toString();
}

async function runKneepointWithDeadline(args: string[], cwd: string, env: Record<string, string>): Promise<ChildRun> {
  const started = performance.now();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const result = await runKneepoint(args, {
    cwd,
    env,
    onStderr: (_text, child) => {
      timer ??= setTimeout(() => ((timedOut = true), child.kill("SIGKILL")), RUN_TIMEOUT_MS);
    },
  });
  clearTimeout(timer);
  return { command: `kneepoint ${args.join(" ")}`, code: result.code, timedOut, stdout: result.stdout, stderr: result.stderr, durationMs: performance.now() - started };
}

async function runTool(tool: Tool, sim: RunningSimulator, parityCase: ParityCase, workDir: string, env: Record<string, string>): Promise<ToolRun> {
  const cwd = join(workDir, tool);
  mkdirSync(cwd, { recursive: true });
  const reportDir = join(cwd, "reports");
  const config = join(cwd, "config.yaml");
  writeFileSync(config, renderCaseConfig(readFileSync(configPath(parityCase.configFile), "utf8"), sim.url, reportDir));
  const run =
    tool === "kneepoint"
      ? await runKneepointWithDeadline(["run", "-c", config], cwd, env)
      : await runChild(peerBin(tool === "inference-perf-0.7.0" ? INFERENCE_PERF_NEWEST : INFERENCE_PERF_OLDEST, "inference-perf"), ["-c", config], {
          cwd,
          env: { ...process.env, ...env },
          timeoutMs: RUN_TIMEOUT_MS,
        });
  if (run.code !== 0 || run.timedOut) {
    throw new Error(`${tool} failed on parity case ${parityCase.name} (exit ${run.code}${run.timedOut ? ", timed out" : ""}): ${run.command}\n${tail(run.stderr + run.stdout)}`);
  }
  return { tool, reportDir, run };
}

/**
 * Runs `tools` on the case one after the other (so that no run steals the 2 cores from another's measurements), each
 * against its own fresh simulator. The simulators run in this process (src/sim/server.ts, what `kneepoint sim`
 * starts), which only waits for the child processes meanwhile, so they have its event loop to themselves.
 * By default the two whose latencies are compared: inference-perf 0.7.0 and kneepoint.
 */
export async function runParityCase(parityCase: ParityCase, env: Record<string, string>, tools: readonly Tool[] = ["inference-perf-0.7.0", "kneepoint"]): Promise<CaseRun> {
  const workDir = mkdtempSync(join(tmpdir(), `kp-parity-${parityCase.name}-`));
  const sims = await Promise.all(tools.map(() => startSimulator({ ...BASE_SIM_OPTIONS, ...parityCase.simOptions, port: 0 })));
  const runs: CaseRun["runs"] = {};
  try {
    for (const [i, tool] of tools.entries()) runs[tool] = await runTool(tool, sims[i]!, parityCase, workDir, env);
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
  return { parityCase, runs };
}
