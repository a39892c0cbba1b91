/**
 * Runs one config through the real inference-perf 0.7.0 and through `kneepoint run -c`, one after the other, each
 * against its own simulator behind a recording proxy (recording-proxy.ts), each in its own directory with its own
 * reports. The config is a function of (reports dir, base URL). inference-perf gets an offline stand-in Hugging
 * Face cache with the tiny tokenizer under the simulator's model name (it loads the model's tokenizer when the
 * config has no tokenizer block).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SimOptions } from "../../src/sim/server.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin } from "../real-peers/peers.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { writeHfCacheStandIn } from "../parity/hf-cache-stand-in.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { TINY_TOKENIZER_DIR } from "../parity/run-parity-case.ts";
import { startRecordingProxy, type AddResponseHeaders, type RecordedRequest } from "./recording-proxy.ts";

export const SIM_MODEL = "meta-llama/Llama-3.1-8B-Instruct";
export const TINY_TOKENIZER = TINY_TOKENIZER_DIR.replace(/\/$/, "");

export type ToolName = "inference-perf" | "kneepoint";

export interface ToolResult {
  requests: RecordedRequest[];
  reportDir: string;
  stdout: string;
  stderr: string;
}

export async function runTool(
  tool: ToolName,
  render: (reportDir: string, baseUrl: string) => string,
  opts: { simOptions?: Partial<SimOptions>; env?: Record<string, string>; timeoutMs?: number; addResponseHeaders?: AddResponseHeaders } = {},
): Promise<ToolResult> {
  const proxy = await startRecordingProxy(opts.simOptions, opts.addResponseHeaders);
  const dir = mkdtempSync(join(tmpdir(), `kp-both-${tool}-`));
  const reportDir = join(dir, "reports");
  mkdirSync(reportDir);
  const hfHome = join(dir, "hf");
  writeHfCacheStandIn(hfHome, SIM_MODEL, TINY_TOKENIZER_DIR);
  const config = join(dir, "config.yaml");
  writeFileSync(config, render(reportDir, proxy.url));
  const env = { HF_HUB_OFFLINE: "1", HF_HOME: hfHome, KNEEPOINT_CACHE_DIR: join(dir, "cache"), ...opts.env };
  try {
    const run =
      tool === "kneepoint"
        ? await runKneepoint(["run", "-c", config], { cwd: dir, env })
        : await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", config], { cwd: dir, env: { ...process.env, ...env }, timeoutMs: opts.timeoutMs ?? 120_000 });
    if (run.code !== 0) throw new Error(`${tool} failed (exit ${run.code}):\n${tail(run.stderr + run.stdout)}`);
    return { requests: [...proxy.requests], reportDir, stdout: run.stdout, stderr: run.stderr };
  } finally {
    await proxy.close();
  }
}

export async function runBothTools(
  render: (reportDir: string, baseUrl: string) => string,
  opts: { simOptions?: Partial<SimOptions>; env?: Record<string, string>; addResponseHeaders?: AddResponseHeaders } = {},
): Promise<Record<ToolName, ToolResult>> {
  const ip = await runTool("inference-perf", render, opts);
  const kp = await runTool("kneepoint", render, opts);
  return { "inference-perf": ip, kneepoint: kp };
}
