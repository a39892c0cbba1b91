/**
 * Cost of RequestSource.request(i), the call the scenario load engine makes on its hot path (up to
 * 1,000 req/s): µs per request and memory held, for the shipped scenarios' data shapes, with the simulator's
 * tokenizer in process (what a run against `kneepoint sim` gets through /tokenize).
 *
 *   npx tsx bench/request-source-bench.ts [requests]     (default 300000; run with --expose-gc for steadier MB)
 */
import { parseScenarioConfig } from "../src/scenarios/config/read-scenario-config.ts";
import { createRequestSource } from "../src/scenarios/data/create-request-source.ts";
import { detokenize, tokenize } from "../src/sim/tokenizer.ts";
import { SERVER_TOKEN_ID_RANGE } from "../src/tokenizer/server-tokenizer.ts";
import type { TokenizerPort } from "../src/tokenizer/tokenizer-port.ts";

const N = Number(process.argv[2] ?? 300_000);
const tokenizer: TokenizerPort = {
  source: "simulator tokenizer (in process)",
  idRange: SERVER_TOKEN_ID_RANGE,
  encode: async (t) => tokenize(t, false),
  decode: async (ids) => detokenize(ids),
  specialTokenCount: async () => 1,
};

const SHAPES: Record<string, unknown> = {
  "random 512±128 → 256±64 (saturation shape)": { type: "random", input_distribution: { mean: 512, std_dev: 128, min: 128, max: 2048 }, output_distribution: { mean: 256, std_dev: 64, min: 32, max: 512 } },
  "synthetic 1024±512 → 512±256 (production)": { type: "synthetic", input_distribution: { mean: 1024, std_dev: 512, min: 128, max: 4096 }, output_distribution: { mean: 512, std_dev: 256, min: 50, max: 2048 } },
  "shared_prefix 83×3, 8000+1000 → 1000 (llm-d)": { type: "shared_prefix", shared_prefix: { num_groups: 83, num_prompts_per_group: 3, system_prompt_len: 8000, question_len: 1000, output_len: 1000 } },
};

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

// The simulator's tokenizer builds its vocabulary on first use: do it before measuring what a source holds.
await tokenizer.encode("warm up");
console.log(`request(i) cost over ${N} requests (node ${process.version}${gc ? ", --expose-gc" : ""})`);
for (const [name, data] of Object.entries(SHAPES)) {
  const cfg = parseScenarioConfig({ data, api: { streaming: true }, load: { stages: [{ rate: 1000, duration: 300 }] }, server: { base_url: "http://127.0.0.1:8000" } }, [], "bench", { now: new Date(0), cpuCount: 1 });
  const before = heapMb();
  const t0 = performance.now();
  const src = await createRequestSource(cfg, { tokenizer, seed: 42, model: "sim-model" });
  const setupMs = performance.now() - t0;
  const held = heapMb() - before;
  let bytes = 0;
  const t1 = performance.now();
  for (let i = 0; i < N; i++) bytes += src.request(i).body.length;
  const perRequestUs = ((performance.now() - t1) * 1000) / N;
  console.log(
    `${name.padEnd(46)} setup ${setupMs.toFixed(0).padStart(6)} ms   ${perRequestUs.toFixed(2).padStart(7)} µs/request   ` +
      `source holds ${held.toFixed(1).padStart(6)} MB   mean body ${(bytes / N / 1024).toFixed(1)} KiB   heap after ${heapMb().toFixed(0)} MB`,
  );
}
