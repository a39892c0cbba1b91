/**
 * Collects the run context from what this machine can see: git for the commit, the target's /version and
 * /v1/models, DCGM labels when a DCGM endpoint was scraped. Cluster facts (machine type, server args, CUDA)
 * come from the Kubernetes runner when there is one; here they are "unknown".
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { SweepConfig } from "../config/sweep-config.ts";
import type { TargetInfo } from "../engine/target-info.ts";
import { describeLoadPattern, describeRequestShape, targetKindOf, UNKNOWN, type RunContext } from "../report/run-context.ts";
import { HARNESS_VERSION } from "../version.ts";

const run = promisify(execFile);

export async function readGitCommit(cwd: string): Promise<string> {
  try {
    const { stdout: sha } = await run("git", ["rev-parse", "--short=12", "HEAD"], { cwd, timeout: 5000 });
    const { stdout: status } = await run("git", ["status", "--porcelain", "--untracked-files=no"], { cwd, timeout: 5000 });
    return sha.trim() + (status.trim() ? "-dirty" : "");
  } catch {
    return UNKNOWN;
  }
}

export interface GpuFacts {
  /** e.g. "NVIDIA H100 80GB HBM3" from DCGM's modelName label. */
  model: string | null;
  count: number;
  driver: string | null;
}

export function describeGpu(gpu: GpuFacts | null, simulated: boolean): string {
  if (!gpu?.model) return UNKNOWN;
  return `${gpu.model} ×${gpu.count}${simulated ? " (simulated)" : ""}`;
}

export async function collectRunContext(opts: {
  config: SweepConfig;
  target: TargetInfo;
  gpu: GpuFacts | null;
  perStep: string;
  cwd: string;
  cluster?: Partial<Pick<RunContext, "machineType" | "cuda" | "dtype" | "serverArgs" | "driver" | "gpu" | "coLocation">>;
  /** The load generator; default kneepoint's native engine. */
  engine?: string;
}): Promise<RunContext> {
  const { config, target } = opts;
  const kind = targetKindOf(target);
  return {
    commit: await readGitCommit(opts.cwd),
    gpu: opts.cluster?.gpu ?? describeGpu(opts.gpu, kind === "simulator"),
    machineType: opts.cluster?.machineType ?? (kind === "simulator" ? "simulator (no GPU)" : UNKNOWN),
    driver: opts.cluster?.driver ?? opts.gpu?.driver ?? UNKNOWN,
    cuda: opts.cluster?.cuda ?? UNKNOWN,
    model: target.model,
    dtype: opts.cluster?.dtype ?? UNKNOWN,
    vllmVersion: target.serverVersion ? `${target.serverVersion}${target.simulator ? ` (imitated by ${target.simulator})` : ""}` : UNKNOWN,
    serverArgs: opts.cluster?.serverArgs ?? UNKNOWN,
    requestShape: describeRequestShape({ inputLen: config.inputLen, outputLen: config.outputLen, ignoreEos: config.ignoreEos, endpoint: config.endpoint }),
    loadPattern: describeLoadPattern({ concurrency: [...config.concurrency].sort((a, b) => a - b), perStep: opts.perStep, seed: config.seed, warmup: config.warmup }),
    engine: opts.engine ?? `native (kneepoint ${HARNESS_VERSION})`,
    harnessVersion: HARNESS_VERSION,
    targetKind: kind,
    ...(opts.cluster?.coLocation ? { coLocation: opts.cluster.coLocation } : {}),
  };
}
