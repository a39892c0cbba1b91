/**
 * The Job's inline sh script, run for real: `sh -n` parses it (dash, Ubuntu's /bin/sh as in the vLLM image, and
 * bash in POSIX mode); run with the Job's env and a fake `vllm` on PATH, it passes DESIGN.md §3's flags, prints
 * each result between the markers, reports a failed step after the earlier results, and never prints the key.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { V1Job } from "@kubernetes/client-node";
import { promptsForStep, sweepConfigSchema } from "../../src/config/sweep-config.ts";
import { extractMarkedResults } from "../../src/engine/vllm/extract-marked-results.ts";
import { jobScript, literalEnv, loadJob, onlyContainer } from "./manifest-files.ts";
import { expandKubernetesRefs } from "../kube-node-agent/expand-kubernetes-refs.ts";
import { fakeVllmScript } from "./fake-vllm.ts";
import { failedStepsInLog } from "../../src/engine/vllm/result-markers.ts";

/** Records each invocation's arguments (one per line, `--` between calls) and writes a result like --save-result. */
const FAKE_VLLM = fakeVllmScript(`echo "fake vllm bench serve at concurrency $c"
if [ "$c" = "\${FAKE_FAIL_AT:-}" ]; then echo "Traceback: connection refused" >&2; exit 3; fi
mkdir -p "$dir"
printf '{"max_concurrency": %s, "completed": 1, "request_rate": "inf"}' "$c" > "$dir/$file"
`, `for a in "$@"; do printf '%s\\n' "$a"; done >> "$FAKE_LOG"
echo -- >> "$FAKE_LOG"
printf '%s' "\${OPENAI_API_KEY:-}" > "$FAKE_LOG.key"
`);


interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[][];
  keySeenByClient: string;
}

let job: V1Job;
let script: string;

beforeAll(async () => {
  job = await loadJob();
  script = jobScript(job);
});

/** Runs the Job's command as the kubelet would: its literal env, plus the ConfigMap/Secret keys given. */
function runJob(extraEnv: Record<string, string> = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), "kneepoint-job-"));
  const bin = join(dir, "bin");
  const log = join(dir, "vllm-calls.log");
  mkdirSync(bin);
  writeFileSync(join(bin, "vllm"), FAKE_VLLM);
  chmodSync(join(bin, "vllm"), 0o755);
  writeFileSync(log, "");
  const command = onlyContainer(job).command!;
  const env = {
    ...literalEnv(onlyContainer(job)),
    RESULT_DIR: join(dir, "results"),
    HOME: dir,
    ...extraEnv,
    PATH: `${bin}:/usr/bin:/bin`,
    FAKE_LOG: log,
  };
  const result = spawnSync(command[0]!, command.slice(1), { env, encoding: "utf8", timeout: 20_000 });
  const calls = readFileSync(log, "utf8")
    .split("--\n")
    .filter((c) => c.length > 0)
    .map((c) => c.trimEnd().split("\n"));
  let keySeenByClient = "";
  try {
    keySeenByClient = readFileSync(`${log}.key`, "utf8");
  } catch {
    // no call was made
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, keySeenByClient };
}

function markedResults(stdout: string): Map<string, unknown> {
  const results = new Map<string, unknown>();
  const re = /^=== kneepoint-result c=(\d+) begin ===\n([\s\S]*?)\n=== kneepoint-result c=\1 end ===$/gm;
  for (const match of stdout.matchAll(re)) results.set(match[1]!, JSON.parse(match[2]!));
  return results;
}

describe("the Job's sh script", () => {
  it("parses with sh -n (dash) and bash --posix -n", () => {
    for (const [shell, args] of [["/bin/sh", ["-n"]], ["bash", ["--posix", "-n"]]] as const) {
      const result = spawnSync(shell, [...args, "-c", script], { encoding: "utf8" });
      expect(result.stderr, shell).toBe("");
      expect(result.status, shell).toBe(0);
    }
  });

  it("is unchanged by Kubernetes' $(VAR) expansion of command (no $$, no $(NAME) of an env var)", () => {
    const env = literalEnv(onlyContainer(job));
    expect(expandKubernetesRefs(script, (n) => env[n])).toBe(script);
    expect(expandKubernetesRefs("a $(HOME) $$ b", (n) => ({ HOME: "/h" })[n])).toBe("a /h $ b"); // the expansion itself
  });

  it("contains DESIGN.md §3's vllm bench serve flags", () => {
    for (const flag of [
      "vllm bench serve",
      '--backend "$BACKEND"',
      '--base-url "$BASE_URL"',
      '--endpoint "$ENDPOINT"',
      '--model "$BENCH_MODEL"',
      '--tokenizer "$TOKENIZER"',
      "--dataset-name random",
      '--random-input-len "$INPUT_LEN"',
      '--random-output-len "$OUTPUT_LEN"',
      '--num-prompts "$PROMPTS"',
      '--max-concurrency "$N"',
      "--request-rate inf",
      '--seed "$SEED"',
      "--ignore-eos",
      "--disable-tqdm",
      "--percentile-metrics ttft,tpot,itl,e2el",
      "--metric-percentiles 50,90,95,99",
      "--save-result",
      '--result-dir "$RESULT_DIR"',
      '--result-filename "c$N.json"',
    ]) {
      expect(script).toContain(flag);
    }
  });

  it("never prints the API key: no echo/printf of it, no set -x, no env dump", () => {
    const lines = script.split("\n");
    expect(lines.filter((l) => /\b(echo|printf)\b/.test(l) && /OPENAI_API_KEY/.test(l))).toEqual([]);
    expect(script).not.toMatch(/OPENAI_API_KEY/); // vllm bench serve reads it from the environment itself
    expect(script).not.toMatch(/set -[a-z]*x|\bprintenv\b|^\s*env\s*$|\bexport -p\b/m);
  });

  it("runs one step per level with the seed's flags and prints each result between the markers", () => {
    const run = runJob({ OPENAI_API_KEY: "sk-very-secret-123" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const sweep = sweepConfigSchema.parse({});
    expect(run.calls).toHaveLength(sweep.concurrency.length);
    sweep.concurrency.forEach((n, i) => {
      expect(run.calls[i]).toEqual([
        "bench", "serve",
        "--backend", "vllm",
        "--base-url", "http://vllm:8000",
        "--endpoint", "/v1/completions",
        "--model", "qwen2.5-0.5b",
        "--tokenizer", "Qwen/Qwen2.5-0.5B-Instruct",
        "--dataset-name", "random",
        "--random-input-len", "256",
        "--random-output-len", "128",
        "--num-prompts", String(promptsForStep(sweep, n)),
        "--max-concurrency", String(n),
        "--request-rate", "inf",
        "--seed", "42",
        "--ignore-eos",
        "--disable-tqdm",
        "--percentile-metrics", "ttft,tpot,itl,e2el",
        "--metric-percentiles", "50,90,95,99",
        "--save-result",
        "--result-dir", expect.stringMatching(/\/results$/),
        "--result-filename", `c${n}.json`,
      ]);
    });
    const results = markedResults(run.stdout);
    expect([...results.keys()]).toEqual(sweep.concurrency.map(String));
    // The runner's extractor reads the same log (with stderr interleaved, as kubectl logs merges them).
    const extracted = extractMarkedResults(`${run.stderr}${run.stdout}`);
    expect(extracted.errors).toEqual([]);
    expect(extracted.results.map((r) => r.concurrency)).toEqual(sweep.concurrency);
    expect(results.get("32")).toEqual({ max_concurrency: 32, completed: 1, request_rate: "inf" });
    expect(run.stdout).toContain("kneepoint: sweep complete");
    // The key reached the client, and was printed nowhere.
    expect(run.keySeenByClient).toBe("sk-very-secret-123");
    expect(run.stdout + run.stderr).not.toContain("sk-very-secret-123");
  });

  it("takes the target from the bench-target keys, and the chat client for a chat endpoint", () => {
    const run = runJob({
      BASE_URL: "http://litellm.litellm:4000",
      BENCH_MODEL: "qwen-local",
      ENDPOINT: "/v1/chat/completions",
      CONCURRENCY: "4",
      NUM_PROMPTS: "20",
      EXTRA_ARGS: "--temperature 0",
    });
    expect(run.status).toBe(0);
    const [call] = run.calls;
    const flag = (name: string) => call?.[call.indexOf(name) + 1];
    expect(flag("--backend")).toBe("openai-chat");
    expect(flag("--base-url")).toBe("http://litellm.litellm:4000");
    expect(flag("--model")).toBe("qwen-local");
    expect(flag("--tokenizer")).toBe("Qwen/Qwen2.5-0.5B-Instruct"); // the seed's recipe sets no TOKENIZER
    expect(flag("--num-prompts")).toBe("20");
    expect(call?.slice(-2)).toEqual(["--temperature", "0"]);
  });

  it("on a failed step: the earlier results stay printed, the failure is named, later levels do not run", () => {
    const run = runJob({ FAKE_FAIL_AT: "4" });
    expect(run.status).toBe(1);
    expect([...markedResults(run.stdout).keys()]).toEqual(["1", "2"]);
    expect(extractMarkedResults(run.stdout).results.map((r) => r.concurrency)).toEqual([1, 2]);
    expect(run.stdout).toMatch(/^=== kneepoint-step-failed c=4 exit=3 ===$/m);
    expect(failedStepsInLog(run.stdout)).toEqual([{ concurrency: 4, exit: 3 }]); // the runner's reader sees it
    expect(run.stderr).toContain("step c=4 failed (exit 3)");
    expect(run.calls).toHaveLength(3);
  });

  it("refuses a BASE_URL with user:password without printing it", () => {
    const run = runJob({ BASE_URL: "http://user:hunter2@litellm:4000/x@y" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("BASE_URL must not contain user:password");
    expect(run.stdout + run.stderr).not.toContain("hunter2");
    expect(run.calls).toEqual([]);
    expect(runJob({ BASE_URL: "http://litellm:4000/path@x", CONCURRENCY: "1" }).status).toBe(0);
  });

  it("rejects a malformed number before sending anything", () => {
    for (const [key, value] of [["CONCURRENCY", "1 two 4"], ["INPUT_LEN", "0"], ["NUM_PROMPTS", "1e3"], ["SEED", "-1"], ["CONCURRENCY", ""]]) {
      const run = runJob({ [key!]: value! });
      expect(run.status, `${key}=${value}`).toBe(2);
      expect(run.stderr, `${key}=${value}`).toMatch(new RegExp(`kneepoint: ${key}`));
      expect(run.calls).toEqual([]);
    }
  });
});
