/**
 * Simulator profiles: a GPU, a model and vLLM serving settings, with where each number comes from.
 * Spec-sheet numbers are cited; efficiencies, overheads and memory reserves are our choices and say so.
 * The performance model (roofline.ts, engine-model.ts) derives everything else from these numbers.
 */

export interface GpuSpec {
  /** As DCGM reports it in the `modelName` label. */
  name: string;
  /** Framebuffer size as nvidia-smi / DCGM report it (FB_USED + FB_FREE), MiB. */
  memoryMiB: number;
  hbmBandwidthBytesPerS: number;
  /** Dense (no sparsity) tensor-core peak for the datatype the model computes in. */
  peakTensorFlopsPerS: number;
  tdpW: number;
  idleW: number;
  smClockMHz: number;
  memClockMHz: number;
}

export interface ModelSpec {
  /** Hugging Face id: the default served model name and `/v1/models` `root`. */
  hfId: string;
  params: number;
  layers: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  weightBytesPerParam: number;
  /** bf16 KV cache ("auto" cache dtype for a bf16 model) = 2 bytes per element. */
  kvBytesPerElement: number;
}

export interface ServingSpec {
  gpuMemoryUtilization: number;
  /** Memory vLLM's profiling run keeps out of the KV cache besides weights (activations at
   * max_num_batched_tokens, CUDA graphs, non-torch allocations), MiB. Our estimate. */
  nonKvReserveMiB: number;
  blockSize: number;
  maxNumSeqs: number;
  maxModelLen: number;
  /** Chunked-prefill token budget per engine step (vLLM's max_num_batched_tokens). */
  maxNumBatchedTokens: number;
  /** Fraction of peak HBM bandwidth a step achieves (DCGM's docs: ~0.8 DRAM_ACTIVE is the practical peak). */
  memoryEfficiency: number;
  /** Fraction of peak tensor FLOPs a step achieves. Our choice: serving GEMMs rarely pass ~50 % MFU
   * and decode-sized ones (M ≤ a few hundred rows) stay well below it. */
  computeEfficiency: number;
  /** Fixed per-step cost: scheduler, sampling, detokenizing, kernel launches. Our choice. */
  stepOverheadMs: number;
  /** vLLM's --tensor-parallel-size: GPUs one replica spans (default 1). nonKvReserveMiB is then the replica's total. */
  tensorParallelSize?: number;
}

export interface SimProfile {
  name: string;
  summary: string;
  gpu: GpuSpec;
  model: ModelSpec;
  serving: ServingSpec;
}

/**
 * NVIDIA H100 SXM5 80GB (NVIDIA H100 Tensor Core GPU datasheet): HBM3 3.35 TB/s; dense BF16
 * 989 TFLOPS and dense FP8 1,979 TFLOPS (the sheet's 1,979 / 3,958 figures are "with sparsity",
 * i.e. twice dense); max TDP 700 W. 81,559 MiB is the framebuffer nvidia-smi reports for it.
 * Idle draw (~75 W with a model loaded, no kernels) and clocks (1,980 MHz max SM boost,
 * 2,619 MHz HBM3) are typical nvidia-smi readings, not datasheet values.
 */
const H100_SXM: Omit<GpuSpec, "peakTensorFlopsPerS"> = {
  name: "NVIDIA H100 80GB HBM3",
  memoryMiB: 81_559,
  hbmBandwidthBytesPerS: 3.35e12,
  tdpW: 700,
  idleW: 75,
  smClockMHz: 1980,
  memClockMHz: 2619,
};
const H100_DENSE_BF16_FLOPS = 989e12;
const H100_DENSE_FP8_FLOPS = 1979e12;

/** vLLM V1 defaults we keep: block_size 16, max_num_seqs 256, gpu_memory_utilization 0.9,
 * and max_num_batched_tokens 8192 (V1's default for online serving on H100-class GPUs). */
const VLLM_DEFAULTS = {
  gpuMemoryUtilization: 0.9,
  blockSize: 16,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 8192,
  memoryEfficiency: 0.8,
  computeEfficiency: 0.4,
  stepOverheadMs: 1.0,
} as const;

/** meta-llama/Llama-3.1-70B-Instruct config.json: 80 layers, 64 attention heads, 8 KV heads, head_dim 128; 70.6 B
 * parameters; bf16 weights and KV (2 × 80 × 8 × 128 × 2 = 327,680 B = 320 KiB of KV per token). */
const LLAMA_70B: ModelSpec = {
  hfId: "meta-llama/Llama-3.1-70B-Instruct",
  params: 70.6e9,
  layers: 80,
  attentionHeads: 64,
  kvHeads: 8,
  headDim: 128,
  weightBytesPerParam: 2,
  kvBytesPerElement: 2,
};

export const PROFILES = {
  "h100-8b": {
    name: "h100-8b",
    summary: "Llama-3.1-8B-Instruct (bf16) on one H100 SXM 80GB",
    gpu: { ...H100_SXM, peakTensorFlopsPerS: H100_DENSE_BF16_FLOPS },
    // meta-llama/Llama-3.1-8B-Instruct config.json: 32 layers, 32 attention heads, 8 KV heads,
    // head_dim 128 (hidden 4096 / 32 heads); 8.03 B parameters (model card).
    // KV per token = 2 (K,V) × 32 layers × 8 heads × 128 × 2 bytes = 131,072 B = 128 KiB.
    model: {
      hfId: "meta-llama/Llama-3.1-8B-Instruct",
      params: 8.03e9,
      layers: 32,
      attentionHeads: 32,
      kvHeads: 8,
      headDim: 128,
      weightBytesPerParam: 2,
      kvBytesPerElement: 2,
    },
    serving: { ...VLLM_DEFAULTS, maxModelLen: 8192, nonKvReserveMiB: 2048 },
  },
  "kv-starved": {
    name: "kv-starved",
    summary: "Llama-3.1-70B-Instruct (FP8) squeezed onto one H100 80GB: c=32 × 384 tokens queue and preempt",
    gpu: { ...H100_SXM, peakTensorFlopsPerS: H100_DENSE_FP8_FLOPS },
    // meta-llama/Llama-3.1-70B-Instruct config.json: 80 layers, 64 attention heads, 8 KV heads,
    // head_dim 128; 70.6 B parameters. FP8 (W8A8) checkpoint: 1 byte per weight (the bf16
    // embeddings/lm_head add ~2 GB; folded into the reserve below). KV stays bf16:
    // 2 × 80 × 8 × 128 × 2 = 327,680 B = 320 KiB per token.
    model: { ...LLAMA_70B, weightBytesPerParam: 1 },
    // 81,559 × 0.9 − 67,329 (weights) − 3,584 (reserve, larger for a 70B) ≈ 2,490 MiB of KV
    // → 7,968 tokens (498 blocks). c=16 needs at most 16 × 24 blocks = 384; c=32 needs up to 768.
    serving: { ...VLLM_DEFAULTS, maxModelLen: 4096, nonKvReserveMiB: 3584 },
  },
  "h100x4-70b": {
    name: "h100x4-70b",
    summary: "Llama-3.1-70B-Instruct (bf16) on four H100 SXM 80GB, tensor parallel 4: seed 004's vLLM pods",
    gpu: { ...H100_SXM, peakTensorFlopsPerS: H100_DENSE_BF16_FLOPS },
    // The 70B's config.json as for kv-starved, in bf16: 141.2 GB of weights split over 4 GPUs; KV 320 KiB per token.
    model: LLAMA_70B,
    // 4 × 81,559 × 0.9 − 134,659 (weights) − 14,773 (reserve, 3.7 GiB per GPU: activations, CUDA graphs, NCCL
    // buffers; our choice) ≈ 144,180 MiB of KV → 461,376 tokens (28,836 blocks): the KV capacity seed 004 states for
    // its pods ("KV_cap (effective, min TP rank): 461,376 tokens").
    serving: { ...VLLM_DEFAULTS, maxModelLen: 131_072, nonKvReserveMiB: 14_773, tensorParallelSize: 4 },
  },
} as const satisfies Record<string, SimProfile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as [ProfileName, ...ProfileName[]];

export function getProfile(name: ProfileName): SimProfile {
  return PROFILES[name];
}
