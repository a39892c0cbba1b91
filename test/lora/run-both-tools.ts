/**
 * One config through the real inference-perf 0.7.0 and through `kneepoint run`, each against its own fresh simulator
 * (the same options), in their own working directories — the parity harness's pieces (test/parity/), reused, not
 * edited. Only server.base_url, storage.local_storage.path and the tokenizer's path differ between the two configs.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type SimOptions } from "../../src/sim/server.ts";
import { writeHfCacheStandIn } from "../parity/hf-cache-stand-in.ts";
import { renderCaseConfig, TINY_TOKENIZER_DIR } from "../parity/run-parity-case.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";

export const SIM_MODEL = "meta-llama/Llama-3.1-8B-Instruct";
export type Tool = "inference-perf" | "kneepoint";

export interface BothRuns {
  dirs: Record<Tool, string>;
  stdout: Record<Tool, string>;
  durationMs: Record<Tool, number>;
}

export async function runBothTools(name: string, configText: string, simOptions: Partial<SimOptions>): Promise<BothRuns> {
  const work = mkdtempSync(join(tmpdir(), `kp-${name}-`));
  const hfHome = join(work, "hf");
  writeHfCacheStandIn(hfHome, SIM_MODEL, TINY_TOKENIZER_DIR);
  const env = { HF_HOME: hfHome, HF_HUB_OFFLINE: "1", KNEEPOINT_CACHE_DIR: join(work, "kp-cache") };
  const out = { dirs: {}, stdout: {}, durationMs: {} } as BothRuns;
  for (const tool of ["inference-perf", "kneepoint"] as const) {
    const sim = await startSimulator({ ...simOptions, port: 0 });
    try {
      const cwd = join(work, tool);
      mkdirSync(cwd, { recursive: true });
      const dir = join(cwd, "reports");
      const config = join(cwd, "config.yaml");
      writeFileSync(config, renderCaseConfig(configText, sim.url, dir));
      const started = performance.now();
      const run =
        tool === "kneepoint"
          ? await runKneepoint(["run", "-c", config, "--no-charts", "--no-server-metrics"], { cwd, env })
          : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", config], { cwd, env: { ...process.env, ...env }, timeoutMs: 60_000 });
      if (run.code !== 0) throw new Error(`${tool} exited ${run.code}: ${tail(run.stderr + run.stdout)}`);
      out.dirs[tool] = dir;
      out.stdout[tool] = run.stdout + run.stderr;
      out.durationMs[tool] = performance.now() - started;
    } finally {
      await sim.close();
    }
  }
  return out;
}
