/**
 * The Hub-backed parity tests' one run: `kneepoint run -c DIR/config.yaml` or the real inference-perf 0.7.0 on the
 * same file, in DIR, with `env` added (HF_ENDPOINT, HF_HOME, …). A failed run throws with the tool's output tail.
 */
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { runChild, tail } from "../parity/run-child.ts";

export type ParityTool = "kneepoint" | "inference-perf";

export async function runToolInDir(tool: ParityTool, dir: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const config = join(dir, "config.yaml");
  const run =
    tool === "kneepoint"
      ? await runKneepoint(["run", "-c", config], { cwd: dir, env })
      : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", config], { cwd: dir, env: { ...process.env, ...env }, timeoutMs: 120_000 });
  if (run.code !== 0) throw new Error(`${tool} failed (exit ${run.code}):\n${tail(run.stderr + run.stdout)}`);
  return { stdout: run.stdout, stderr: run.stderr };
}
