import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests that start servers and measure latency must not fight each other for the 2 cores.
    fileParallelism: process.env.CI === "true" ? false : true,
  },
});
