import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

/**
 * Files whose assertions depend on wall-clock latency or send times measured on this machine: round trips
 * against the simulator's known timings, parity with the real inference-perf within max(2 ms, 2 %), schedule
 * delay bounds, latency-based gates, the capacity search. They run one file at a time, after the rest, so no
 * other test competes with them for the 2 cores. Everything else (pure units, report files, config
 * acceptance, Kubernetes flows, the browser test) runs two files at a time first: the units of src/ (without
 * isolation, see below), then the rest.
 */
const TIMING = [
  // (the pure units beside these, parsers and arithmetic, run with the other units)
  "src/engine/openai-stream-client.test.ts",
  "src/scenarios/load/run-stages.test.ts",
  "src/scenarios/load/run-sweep.sim.test.ts",
  "src/scenarios/load/session-replay-stage.test.ts",
  "test/capacity/capacity-sim.test.ts",
  "test/circuit-breakers/**/*.test.ts",
  "test/fail-on.test.ts",
  "test/fidelity.test.ts",
  "test/lora/**/*.test.ts",
  // parity.test.ts compares latencies; the parity helpers' own units and request-bodies.test.ts (bodies only) do not.
  "test/parity/parity.test.ts",
  "test/prometheus/**/*.test.ts",
  "test/prometheus-parity/**/*.test.ts",
  "test/scenarios-report/sim-round-trip.test.ts",
  "test/scenarios-run/trace-replay-run.test.ts",
  "test/sim/deterministic-timing.test.ts",
  "test/sim/faults.test.ts",
  "test/sim/metrics-endpoints.test.ts",
  "test/sim/openai-sdk.test.ts",
  "test/sim/performance-model-wire.test.ts",
  "test/sim/wire-format.test.ts",
  "test/trace-parity/**/*.test.ts",
];

/**
 * The unit tests next to the code (src/) share one module graph per worker (isolate: false): each file then costs
 * its tests, not a fresh import of its dependencies (on 2 cores, 25 s wall against 45 s isolated; compare
 * `npx vitest run --project units` with the same plus `--isolate`). A file that changes what other
 * files would see — module mocks, stubbed globals or timers, process.env, the working directory, undici's global
 * dispatcher — stays isolated in the parallel project; this scan finds them, so a new one cannot slip in.
 */
const SHARED_STATE = /vi\.(mock|doMock|stubGlobal|stubEnv|useFakeTimers|spyOn)|process\.env(\.[A-Za-z_]+|\[[^\]]+\]) *(=[^=]|\?\?=)|delete process\.env|process\.chdir|setGlobalDispatcher/;
const SRC = new URL("./src/", import.meta.url);
const ISOLATED_UNITS = readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .map((f) => f.split("\\").join("/"))
  .filter((f) => f.endsWith(".test.ts") && SHARED_STATE.test(readFileSync(new URL(f, SRC), "utf8")))
  .map((f) => `src/${f}`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      // vitest's default is one worker fewer than the CPUs: on these 2-core machines, one file at a time.
      { extends: true, test: { name: "units", include: ["src/**/*.test.ts"], exclude: [...TIMING, ...ISOLATED_UNITS], isolate: false, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "parallel", include: ["test/**/*.test.ts", ...ISOLATED_UNITS], exclude: TIMING, maxWorkers: 2, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: "timing", include: TIMING, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
