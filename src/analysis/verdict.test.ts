import { describe, expect, it } from "vitest";
import { decideVerdict, VERDICT_RULES, type VerdictInput, type VerdictKind } from "./verdict.ts";
import { ABSENT_PEAKS, type StepPeaks } from "../server-metrics/step-peaks.ts";

const fullPeaks: StepPeaks = {
  gpuUtilPctMax: 100,
  gpuMemUsedPctMax: 90,
  dramActiveMax: 0.3,
  tensorActiveMax: 0.3,
  powerWMax: 500,
  kvCachePctMax: 20,
  runningMax: 32,
  waitingMax: 0,
  preemptions: 0,
  samples: 10,
  underSampled: false,
};

function input(peaks: Partial<StepPeaks>, over: Partial<VerdictInput> = {}): VerdictInput {
  return {
    concurrency: 32,
    achievedConcurrency: 32,
    saturated: true,
    failures: { fraction: 0, concurrency: 32, reasons: "" },
    lastGainPerDoubling: 0.02,
    peaks: { ...fullPeaks, ...peaks },
    maxNumSeqs: 256,
    ...over,
  };
}

describe("verdict rules (each rule with a case that fires it)", () => {
  const cases: Array<[VerdictKind, VerdictInput, RegExp]> = [
    ["errors", input({}, { achievedConcurrency: 11, failures: { fraction: 0.85, concurrency: 16, reasons: "http ×54" } }), /^unreliable: 85% of requests failed at c=16 \(http ×54\)/],
    ["client-bound", input({}, { achievedConcurrency: 20 }), /only 20 of 32 requests were in flight/],
    ["not-saturated", input({ kvCachePctMax: 3 }, { saturated: false, lastGainPerDoubling: 0.68 }), /not saturated: throughput still \+68% per doubling at c=32; GPU util 100%, tensor 0.30, DRAM 0.30, KV 3%, running 32, waiting 0$/],
    ["kv-capacity-bound", input({ kvCachePctMax: 97, waitingMax: 14, preemptions: 3 }), /^memory-bound \(KV-cache capacity\): KV 97% peak, waiting 14, 3 preemptions at c=32$/],
    ["batch-limit-bound", input({ runningMax: 256, waitingMax: 40, kvCachePctMax: 50 }, { concurrency: 512, achievedConcurrency: 512 }), /running 256 = max_num_seqs 256, waiting 40/],
    ["compute-bound", input({ tensorActiveMax: 0.72, dramActiveMax: 0.35 }), /^compute-bound: GPU util 100%, tensor 0.72, DRAM 0.35, KV 20%, running 32, waiting 0 at c=32$/],
    ["memory-bandwidth-bound", input({ tensorActiveMax: 0.1, dramActiveMax: 0.78 }), /^memory-bandwidth-bound: .*DRAM 0.78/],
    ["gpu-bound", input({ tensorActiveMax: null, dramActiveMax: null }), /cannot be told apart/],
    ["gpu-bound", input({ tensorActiveMax: 0.2, dramActiveMax: 0.3 }), /neither the tensor pipe nor DRAM is near its ceiling/],
    // Roofline: 0.41 of a 0.5 tensor ceiling (82%) beats 0.11 of a 0.8 DRAM ceiling (14%).
    ["compute-bound", input({ tensorActiveMax: 0.41, dramActiveMax: 0.11 }), /^compute-bound: GPU util 100%, tensor 0.41, DRAM 0.11/],
    // Both high: 0.70/0.8 = 88% of the DRAM ceiling beats 0.36/0.5 = 72% of the tensor ceiling.
    ["memory-bandwidth-bound", input({ tensorActiveMax: 0.36, dramActiveMax: 0.7 }), /^memory-bandwidth-bound/],
    ["saturated-unclear", input({ gpuUtilPctMax: 40, tensorActiveMax: 0.1, dramActiveMax: 0.2 }), /binding resource unclear/],
    // A single step: no trend, so neither "not saturated" nor a saturation claim.
    ["saturated-unclear", input({ gpuUtilPctMax: 40, tensorActiveMax: 0.1, dramActiveMax: 0.2 }, { saturated: null, lastGainPerDoubling: null }), /^trend unknown: one step/],
  ];
  it("covers every rule in the table", () => {
    expect([...new Set(cases.map((c) => c[0]))].sort()).toEqual(VERDICT_RULES.map((r) => r.kind).sort());
  });
  it.each(cases)("%s", (kind, inp, headline) => {
    const v = decideVerdict(inp);
    expect(v.kind).toBe(kind);
    expect(v.headline).toMatch(headline);
  });
});

describe("verdict confidence", () => {
  it("is high with every input present", () => {
    expect(decideVerdict(input({ kvCachePctMax: 97, waitingMax: 14, preemptions: 3 })).confidence).toBe("high");
  });

  it("shows only measured evidence: an absent series is named in `missing`, not printed as a value", () => {
    const v = decideVerdict(input({ tensorActiveMax: null, dramActiveMax: null, kvCachePctMax: null }));
    expect(v.headline).not.toMatch(/tensor|DRAM|KV/);
    expect(v.missing.join()).toMatch(/vllm:kv_cache_usage_perc/);
  });

  it("drops and says why when DCGM profiling fields are absent", () => {
    const v = decideVerdict(input({ tensorActiveMax: null, dramActiveMax: null }));
    expect(v.confidence).toBe("medium");
    expect(v.missing.join()).toMatch(/DCGM profiling fields/);
  });

  it("never treats absent as zero: KV-capacity cannot fire without KV data, and nothing is claimed with no data", () => {
    const v = decideVerdict(input({ ...ABSENT_PEAKS }));
    expect(v.kind).toBe("saturated-unclear");
    expect(v.confidence).toBe("low");
    expect(v.headline).toContain("no server metrics");
    expect(v.missing).toEqual([expect.stringMatching(/server metrics were not read/)]);
  });

  it("drops one level when the window is under-sampled", () => {
    expect(decideVerdict(input({ kvCachePctMax: 97, waitingMax: 14, underSampled: true, samples: 1 })).confidence).toBe("medium");
  });
});
