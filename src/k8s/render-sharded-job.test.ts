/**
 * `make bench PODS=N`: the sweep Job as an Indexed Job of N load pods (render-bench-job.ts's indexShards), the
 * settings that ask for it, and the refusal of ENGINE=vllm. The sharded script is run by a real sh with a stub `node`
 * that prints its arguments: each pod passes --shard <its index>/N and the shared --start-at.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Job } from "@kubernetes/client-node";
import { benchSettingsFromEnv, resolveBenchSettings } from "./bench-settings.ts";
import { pickManifest, readManifests, type Manifest } from "./load-manifests.ts";
import { validateManifest } from "./kube-schema.ts";
import { NATIVE_PRELUDE, NATIVE_SCRIPT, renderBenchJob, setShardStart, SHARDED_NATIVE_SCRIPT, type RenderJobOptions } from "./render-bench-job.ts";
import { capacityJobCommand } from "./capacity-job-script.ts";

const START = Date.parse("2026-12-03T22:00:30.000Z");
const loadJob = async () => pickManifest(await readManifests("benchmarks/job.yaml"), "Job") as V1Job;

function options(env: Record<string, string>, shards?: RenderJobOptions["shards"]): RenderJobOptions {
  return {
    settings: resolveBenchSettings(benchSettingsFromEnv(env)),
    namespace: "bench",
    runId: "20261203-220000-abcd",
    vllmImage: "vllm/vllm-openai:v0.31.0",
    bundleConfigMap: "kneepoint-engine",
    ...(shards ? { shards } : {}),
  };
}

const env = (job: V1Job) => Object.fromEntries((job.spec!.template.spec!.containers[0]!.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

describe("PODS=N: the sweep as an Indexed Job", () => {
  it("renders N completions, all at once, no retry per index, without a Job-wide backoffLimit that would stop the others", async () => {
    const job = renderBenchJob(await loadJob(), options({ ENGINE: "native", CONCURRENCY: "4,8" }, { count: 4, startAtEpochMs: START, startDelayMs: 30_000 }));
    expect(validateManifest(job as Manifest)).toEqual([]);
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 4, parallelism: 4, backoffLimitPerIndex: 0 });
    expect(job.spec!.backoffLimit).toBeUndefined();
    expect(job.spec!.maxFailedIndexes).toBeUndefined();
    // The cluster's deadline covers the wait for the shared start too.
    expect(job.spec!.activeDeadlineSeconds).toBe((20 + 120) * 60 + 30);
    expect(env(job)).toMatchObject({ SHARD_COUNT: "4", SHARD_START_AT: "2026-12-03T22:00:30.000Z", CONCURRENCY: "4 8" });
    const c = job.spec!.template.spec!.containers[0]!;
    expect(c.command).toEqual(["/bin/sh", "-c", SHARDED_NATIVE_SCRIPT]);
    // Spread over nodes when the cluster has several (preferred: one node still runs them all).
    expect(job.spec!.template.spec!.affinity?.podAntiAffinity).toEqual({
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "kneepoint.dev/run-id": "20261203-220000-abcd" } } } },
      ],
    });
    // The vLLM pod's affinity stays.
    expect(job.spec!.template.spec!.affinity?.podAffinity).toBeDefined();
  });

  it("the shared start is stamped again just before the Job is created; an unsharded Job has none to move", async () => {
    const source = await loadJob();
    const job = renderBenchJob(source, options({ ENGINE: "native" }, { count: 2, startAtEpochMs: START, startDelayMs: 30_000 }));
    expect(setShardStart(job, START + 12_345)).toBe("2026-12-03T22:00:42.345Z");
    expect(env(job).SHARD_START_AT).toBe("2026-12-03T22:00:42.345Z");
    expect(() => setShardStart(renderBenchJob(source, options({ ENGINE: "native" })), START)).toThrow(/not sharded/);
  });

  it("PODS=1 is exactly today's Job", async () => {
    const source = await loadJob();
    const today = renderBenchJob(source, options({ ENGINE: "native" }));
    expect(renderBenchJob(source, options({ ENGINE: "native", PODS: "1" }, { count: 1, startAtEpochMs: START, startDelayMs: 30_000 }))).toEqual(today);
    expect(today.spec!.completionMode).toBeUndefined();
    expect(today.spec!.backoffLimit).toBe(0);
    expect(today.spec!.template.spec!.containers[0]!.command).toEqual(["/bin/sh", "-c", NATIVE_SCRIPT]);
  });

  it("each pod runs the sweep with --shard <its completion index>/N and the shared --start-at; without an index it stops", () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-shard-script-"));
    // A stub `node`: the prelude's unpack does nothing; the sweep prints its arguments.
    writeFileSync(join(dir, "node"), '#!/bin/sh\n[ "$1" = "-e" ] && exit 0\nshift\necho "ARGS: $*"\n');
    chmodSync(join(dir, "node"), 0o755);
    const base = {
      PATH: `${dir}:${process.env.PATH}`,
      DEFAULT_BASE_URL: "http://vllm:8000",
      DEFAULT_BENCH_MODEL: "m",
      DEFAULT_TOKENIZER: "t",
      DEFAULT_ENDPOINT: "/v1/completions",
      CONCURRENCY: "4 8",
      INPUT_LEN: "32",
      OUTPUT_LEN: "8",
      PROMPTS_PER_STEP: "8",
      SEED: "42",
      RESULT_DIR: "/tmp/r",
      NUM_PROMPTS: "16",
      SHARD_COUNT: "4",
      SHARD_START_AT: "2026-12-03T22:00:30.000Z",
    };
    const run = (extra: Record<string, string>) => spawnSync("sh", ["-c", SHARDED_NATIVE_SCRIPT], { env: { ...base, ...extra }, encoding: "utf8" });
    const ok = run({ JOB_COMPLETION_INDEX: "2" });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/kneepoint: native engine, shard 2\/4 starting at 2026-12-03T22:00:30\.000Z/);
    const args = ok.stdout.split("\n").find((l) => l.startsWith("ARGS: "))!;
    expect(args).toMatch(/^ARGS: sweep --base-url http:\/\/vllm:8000 .*--concurrency 4,8 .*--log-results --num-prompts 16 --shard 2\/4 --start-at 2026-12-03T22:00:30\.000Z$/);
    const none = run({});
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/JOB_COMPLETION_INDEX: is not set: the Job must run with completionMode Indexed/);
    expect(SHARDED_NATIVE_SCRIPT.startsWith(NATIVE_PRELUDE)).toBe(true);
  });

  it("ENGINE=vllm with PODS>1 is refused by name, with the reason and what to run instead", async () => {
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ PODS: "4" }))).toThrow(
      /ENGINE=vllm cannot run as PODS=4 load pods: vllm bench serve reports percentiles only, and the percentiles of 4 shards cannot be merged/,
    );
    try {
      resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "vllm", PODS: "2" }));
    } catch (err) {
      expect((err as { hint?: string }).hint).toMatch(/use ENGINE=native with PODS=2/);
    }
    // The renderer refuses too, whatever settings it is handed.
    const source = await loadJob();
    expect(() => renderBenchJob(source, options({ ENGINE: "vllm" }, { count: 2, startAtEpochMs: START, startDelayMs: 0 }))).toThrow(/ENGINE=vllm cannot run as PODS=2 load pods/);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "vllm", PODS: "1" }))).not.toThrow();
  });

  it("reads PODS and SHARD_START_DELAY from the environment; flags win; bad values name the variable", () => {
    const s = resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "native", PODS: "4", SHARD_START_DELAY: "10" }), { pods: 3 });
    expect(s.pods).toBe(3);
    expect(s.shardStartDelayS).toBe(10);
    expect(resolveBenchSettings({}).pods).toBe(1);
    expect(resolveBenchSettings({}).shardStartDelayS).toBe(30);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "native", PODS: "0" }))).toThrow(/PODS must be positive/);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ ENGINE: "native", PODS: "two" }))).toThrow(/PODS must be a whole number/);
    expect(() => resolveBenchSettings(benchSettingsFromEnv({ SHARD_START_DELAY: "-1" }))).toThrow(/SHARD_START_DELAY must be 0 or more seconds/);
  });

  it("only the sweep shards: the capacity Job with shards is refused", async () => {
    const native = capacityJobCommand(["--slo", "p95(ttft)<=500ms"]);
    const source = await loadJob();
    expect(() => renderBenchJob(source, { ...options({ ENGINE: "native" }, { count: 2, startAtEpochMs: START, startDelayMs: 0 }), native })).toThrow(/only the sweep runs as 2 load pods/);
  });
});
