/**
 * `kneepoint run --in-cluster` / `--collect` refusals, in process: each is a usage error (exit 2) raised before the
 * Kubernetes API is called (KUBECONFIG points at a server that does not answer: reaching it would be exit 3), and
 * a refused key is never echoed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import { runProgram } from "../../test/scenarios-run/run-program.ts";

const saved = process.env.KUBECONFIG;
beforeAll(() => {
  const file = join(mkdtempSync(join(tmpdir(), "kp-kubeconfig-")), "config");
  const cfg = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "none", cluster: { server: "https://127.0.0.1:1", "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [{ name: "none", context: { cluster: "none", user: "u", namespace: "x" } }],
    "current-context": "none",
  };
  writeFileSync(file, JSON.stringify(cfg));
  process.env.KUBECONFIG = file;
});
afterAll(() => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});

const refused = async (args: string[], message: RegExp) => {
  const r = await runProgram(args);
  expect(r.code, String(r.error)).toBe(2);
  expect(r.error).toBeInstanceOf(UsageError);
  expect((r.error as Error).message).toMatch(message);
  return r;
};

describe("run --in-cluster and --collect: what is refused before the cluster is called", () => {
  it("a key in the config (the ConfigMap would carry it), without echoing it", async () => {
    const r = await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", "--set", "server.api_key=sk-inline-4242"], /^server\.api_key is set in the config: a ConfigMap is no place for a key/);
    expect(`${(r.error as UsageError).message} ${(r.error as UsageError).hint} ${r.stdout} ${r.stderr}`).not.toContain("sk-inline-4242");
    expect((r.error as UsageError).hint).toMatch(/bench-target-auth --from-literal=OPENAI_API_KEY/);
  });

  it("a target on localhost, which in the pod is the pod itself", async () => {
    const r = await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster"], /^server\.base_url is http:\/\/127\.0\.0\.1:8000: inside the Job's pod that is the pod itself/);
    expect((r.error as UsageError).hint).toMatch(/--set server\.base_url=http:\/\/vllm:8000/);
  });

  it("a sweep config, or --fail-on, as several load pods", async () => {
    await refused(["-c", "benchmarks/scenarios/sweep.yaml", "--in-cluster", "--pods", "2", "--set", "server.base_url=http://vllm:8000"], /^a config with load\.sweep cannot run as 2 load pods/);
    await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", "--pods", "3", "--set", "server.base_url=http://vllm:8000", "--fail-on", "p95(ttft) > 1s"], /^--fail-on with 3 load pods: each pod would judge only its own share/);
  });

  it("--shard-from-job: the pod's shard from the Indexed Job's environment, or a usage error without it", async () => {
    const env = { JOB_COMPLETION_INDEX: "1", SHARD_COUNT: "2", SHARD_START_AT: "2026-12-04T01:00:00Z" };
    const dry = await runProgram(["-c", "benchmarks/scenarios/baseline.yaml", "--dry-run", "--shard-from-job"], env);
    expect(dry.code, String(dry.error)).toBe(0);
    // baseline: 1 req/s for 300 s = 300 requests, 150 of them shard 1's.
    expect(dry.stdout).toMatch(/^shard 1\/2 of plan \S+ sends, per stage: stage 0: 150 requests at 0\.50 req\/s/m);
    await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--dry-run", "--shard-from-job"], /^--shard-from-job needs JOB_COMPLETION_INDEX, SHARD_COUNT and SHARD_START_AT/);
  });

  it("flags that do not go together", async () => {
    await refused(["--collect", "job-a", "-c", "benchmarks/scenarios/baseline.yaml"], /^--collect reads the config the Job ran with/);
    await refused(["--collect", "job-a", "--in-cluster"], /^--in-cluster and --collect are two ways to run/);
    await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", "--log-reports"], /^--log-reports is the Job's own flag/);
    await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--in-cluster", "--shard", "1/2"], /^--shard and --start-at are set by the Job itself/);
    await refused(["-c", "benchmarks/scenarios/baseline.yaml", "--namespace", "x"], /^--namespace goes with --in-cluster or --collect/);
    await refused(["--in-cluster"], /^kneepoint run --in-cluster needs a config/);
    await refused([], /^kneepoint run needs a config: -c FILE/);
  });
});
