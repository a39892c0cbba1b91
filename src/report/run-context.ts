/**
 * The run context recorded with every run in benchmarks.md: enough to reproduce it and to know whether two
 * runs are comparable. One table of fields (key, label, what it means) drives both the benchmarks.md header
 * and every section, so they cannot drift apart. Values that could not be collected are "unknown". Pure.
 */
export type TargetKind = "simulator" | "vllm" | "openai-compatible";

export interface RunContext {
  commit: string;
  gpu: string;
  machineType: string;
  driver: string;
  cuda: string;
  model: string;
  dtype: string;
  vllmVersion: string;
  serverArgs: string;
  requestShape: string;
  loadPattern: string;
  engine: string;
  harnessVersion: string;
  targetKind: TargetKind;
  /** A cluster run's placement of its load pods relative to the target's pods (src/k8s/co-location.ts). */
  coLocation?: string;
}

export const UNKNOWN = "unknown";

export const RUN_CONTEXT_FIELDS: ReadonlyArray<{ key: keyof RunContext; label: string; meaning: string }> = [
  { key: "commit", label: "Commit", meaning: "git SHA of the checkout that ran the benchmark (`-dirty` when it had uncommitted changes)" },
  { key: "gpu", label: "GPU", meaning: "GPU model and count, from DCGM's `modelName` label or the node's GPU feature-discovery labels" },
  { key: "machineType", label: "Machine type", meaning: "the node's `node.kubernetes.io/instance-type` label (cloud machine type)" },
  { key: "driver", label: "Driver", meaning: "NVIDIA driver version (DCGM's `DCGM_FI_DRIVER_VERSION` label or node labels)" },
  { key: "cuda", label: "CUDA", meaning: "CUDA version (GPU feature-discovery node labels)" },
  { key: "model", label: "Model", meaning: "the served model name the requests named" },
  { key: "dtype", label: "dtype", meaning: "the model's weight dtype (`--dtype` of the server)" },
  { key: "vllmVersion", label: "vLLM version", meaning: "`GET /version` of the target (absent behind LiteLLM or KServe)" },
  { key: "serverArgs", label: "Server args", meaning: "the vLLM server's command-line arguments (from its Deployment)" },
  { key: "requestShape", label: "Request shape", meaning: "input/output tokens per request, endpoint, ignore_eos, streaming" },
  { key: "loadPattern", label: "Load pattern", meaning: "closed or open loop, concurrency levels, requests per step, seed, warmup" },
  { key: "engine", label: "Engine", meaning: "the load generator: kneepoint's native engine or `vllm bench serve`" },
  { key: "harnessVersion", label: "Harness version", meaning: "kneepoint's version" },
  { key: "targetKind", label: "Target kind", meaning: "`simulator` (kneepoint's, never a GPU baseline), `vllm`, or `openai-compatible` (LiteLLM, KServe, …)" },
];

/** The context as label/value rows: every field of RUN_CONTEXT_FIELDS, then Co-location when the run has one. */
export function runContextRows(context: RunContext): Array<[string, string]> {
  const rows = RUN_CONTEXT_FIELDS.map((f): [string, string] => [f.label, String(context[f.key])]);
  if (context.coLocation) rows.push(["Co-location", context.coLocation]);
  return rows;
}

export function targetKindOf(target: { serverVersion: string | null; simulator: string | null }): TargetKind {
  if (target.simulator) return "simulator";
  return target.serverVersion ? "vllm" : "openai-compatible";
}

export function describeRequestShape(r: { inputLen: number; outputLen: number; ignoreEos: boolean; endpoint: string }): string {
  return `${r.inputLen} in / ${r.outputLen} out tokens, ${r.endpoint}, ignore_eos ${r.ignoreEos}, streamed`;
}

export function describeLoadPattern(l: { concurrency: number[]; perStep: string; seed: number; warmup: number }): string {
  return `closed loop, concurrency ${l.concurrency.join(",")}, ${l.perStep} requests per step, seed ${l.seed}, warmup ${l.warmup}`;
}
