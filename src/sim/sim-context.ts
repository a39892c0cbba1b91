/**
 * Everything one simulator instance owns (no module globals, so several run in one process):
 * its config, the engine loop (performance model) or the deterministic-mode bookkeeping, the
 * vLLM metrics registry, the GPU activity behind the DCGM endpoint, the fault drawer and the
 * hooks that end in-flight requests at shutdown.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { renderDcgmMetrics, type DcgmIdentity } from "./dcgm-exposition.ts";
import { createEngineState } from "./engine-model.ts";
import { startEngineLoop, type EngineLoop } from "./engine-loop.ts";
import { createFaultDrawer, hasRates, type FaultPlan } from "./fault-injection.ts";
import { createGpuActivity } from "./gpu-activity.ts";
import type { EndpointKind } from "./openai-request.ts";
import { adapterLabel, LORA_STEP_OVERHEAD_MS } from "./lora-cost.ts";
import { decodeStepCost, stepCost } from "./roofline.ts";
import { createRng, hashString } from "./seeded-random.ts";
import type { SimConfig } from "./sim-options.ts";
import { createVllmMetrics, type EngineSnapshot, type VllmMetrics } from "./vllm-metrics.ts";
import { getVocabulary } from "./vocabulary.ts";

/** DCGM's sample period for the utilization fields (NVML: 1/6 s – 1 s; we use 1 s). */
const DCGM_SAMPLE_PERIOD_MS = 1000;

/** A request streaming in deterministic mode, for the running/KV gauges. */
export interface DeterministicRun {
  promptTokens: number;
  emitted: number;
  lora: string | null;
}

export interface SimContext {
  config: SimConfig;
  now: () => number;
  metrics: VllmMetrics;
  engine: EngineLoop | null;
  /** The KV block size when the engine caches prefixes (requests then carry their block hashes), else null. */
  prefixCachingBlockSize: number | null;
  deterministicRuns: Set<DeterministicRun>;
  drawFaults: ((outputTokens: number) => FaultPlan) | null;
  nextResponseId(kind: EndpointKind): string;
  /** Deterministic mode: account `tokens` decode tokens at batch = active runs, for DCGM. */
  recordDeterministicTokens(tokens: number, contextTokens: number): void;
  renderDcgm(): string;
  /** Each ends one in-flight request; called at shutdown. */
  shutdownHooks: Set<() => void>;
  close(): void;
}

export function createSimContext(config: SimConfig, now: () => number = () => performance.now()): SimContext {
  const profile = config.profileSpec;
  getVocabulary(); // build it now (~50 ms once per process), not inside the first request's TTFT
  const originMs = now();
  const speedup = config.deterministic ? 1 : config.speedup;
  const virtualNow = () => (now() - originMs) * speedup;
  const gpu = createGpuActivity(DCGM_SAMPLE_PERIOD_MS * speedup);
  const deterministicRuns = new Set<DeterministicRun>();
  const blockSize = profile.serving.blockSize;

  let engine: EngineLoop | null = null;
  let metrics: VllmMetrics | null = null;
  if (!config.deterministic) {
    const state = createEngineState({
      blockSize,
      totalBlocks: config.totalKvBlocks,
      maxNumSeqs: config.maxNumSeqs,
      maxNumBatchedTokens: profile.serving.maxNumBatchedTokens,
      stepCost: (work) => stepCost(profile, work),
      ...(config.loraModules.length > 0 ? { maxLoras: config.maxLoras, loraStepOverheadMs: LORA_STEP_OVERHEAD_MS } : {}),
      ...(config.enablePrefixCaching ? { prefixCaching: true } : {}),
    });
    engine = startEngineLoop({
      state,
      speedup,
      now,
      originMs,
      onSteps(steps) {
        let preemptions = 0;
        for (const s of steps) {
          gpu.record(s.endMs, s.cost.durationMs, s.cost.bytes, s.cost.flops);
          preemptions += s.preemptions;
        }
        if (preemptions > 0) metrics?.addPreemptions(preemptions);
      },
    });
  }

  const snapshot = (): EngineSnapshot => {
    if (engine) return engine.snapshot();
    let blocks = 0;
    for (const r of deterministicRuns) blocks += Math.ceil((r.promptTokens + r.emitted) / blockSize);
    return { running: deterministicRuns.size, waiting: 0, kvUsage: Math.min(1, blocks / config.totalKvBlocks), runningLoras: adapterLabel(deterministicRuns), waitingLoras: "" };
  };
  metrics = createVllmMetrics({
    modelName: config.modelName,
    maxModelLen: config.maxModelLen,
    legacyKvName: config.legacyMetrics,
    maxLoras: config.loraModules.length > 0 ? config.maxLoras : null,
    snapshot,
    cacheConfig: {
      block_size: String(blockSize),
      cache_dtype: "auto",
      enable_prefix_caching: config.enablePrefixCaching ? "True" : "False",
      gpu_memory_utilization: String(profile.serving.gpuMemoryUtilization),
      num_cpu_blocks: "None",
      num_gpu_blocks: String(config.totalKvBlocks),
      num_gpu_blocks_override: "None",
      sliding_window: "None",
      swap_space: "4",
    },
  });

  const idPrefix = randomBytes(8).toString("hex");
  let responseCounter = 0;
  const uuidRng = createRng(hashString("gpu-uuid", config.seed));
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(uuidRng() * 16).toString(16)).join("");
  const dcgmIdentity: DcgmIdentity = {
    gpu: profile.gpu,
    uuid: `GPU-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    hostname: hostname(),
    driverVersion: "570.124.06",
    gpuMemoryUtilization: profile.serving.gpuMemoryUtilization,
  };
  const faultDrawer = hasRates(config) ? createFaultDrawer(config, config.seed) : null;

  return {
    config,
    now,
    metrics,
    engine,
    prefixCachingBlockSize: engine && config.enablePrefixCaching ? blockSize : null,
    deterministicRuns,
    drawFaults: faultDrawer,
    nextResponseId(kind) {
      responseCounter++;
      return `${kind === "chat" ? "chatcmpl-" : "cmpl-"}${idPrefix}${responseCounter.toString(16).padStart(16, "0")}`;
    },
    recordDeterministicTokens(tokens, contextTokens) {
      const batch = Math.max(1, deterministicRuns.size);
      const cost = decodeStepCost(profile, batch, contextTokens);
      const share = tokens / batch;
      gpu.record(virtualNow(), cost.durationMs * share, cost.bytes * share, cost.flops * share);
    },
    renderDcgm: () => renderDcgmMetrics(dcgmIdentity, gpu.sample(virtualNow())),
    shutdownHooks: new Set(),
    close() {
      engine?.close();
    },
  };
}
