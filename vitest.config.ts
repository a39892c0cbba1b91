import { defineConfig } from "vitest/config";

/**
 * Files whose assertions depend on wall-clock latency or send times measured on this machine: round trips
 * against the simulator's known timings, parity with the real inference-perf within max(2 ms, 2 %), schedule
 * delay bounds, latency-based gates, the capacity search. Under CI they run one file at a time, after the
 * rest, so no other test competes with them for the 2 cores. Everything else (pure units, report files,
 * config acceptance, Kubernetes flows, the browser test) runs two files at a time first.
 */
const TIMING = [
  "src/engine/**/*.test.ts",
  "src/scenarios/load/**/*.test.ts",
  "test/capacity/**/*.test.ts",
  "test/circuit-breakers/**/*.test.ts",
  "test/fail-on.test.ts",
  "test/fidelity.test.ts",
  "test/lora/**/*.test.ts",
  "test/parity/**/*.test.ts",
  "test/prometheus/**/*.test.ts",
  "test/prometheus-parity/**/*.test.ts",
  "test/scenarios-report/sim-round-trip.test.ts",
  "test/scenarios-run/prometheus-run.test.ts",
  "test/scenarios-run/trace-replay-run.test.ts",
  "test/scenarios-run/two-profiles-compare.test.ts",
  "test/sim/**/*.test.ts",
  "test/trace-parity/**/*.test.ts",
];
const ALL = ["src/**/*.test.ts", "test/**/*.test.ts"];
const CI = process.env.CI === "true";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "parallel", include: ALL, exclude: TIMING, sequence: { groupOrder: 0 } } },
      // Locally both groups run at once, as fast as the machine allows; CI trades speed for stable timings.
      { extends: true, test: { name: "timing", include: TIMING, fileParallelism: !CI, sequence: { groupOrder: CI ? 1 : 0 } } },
    ],
  },
});
