/**
 * A real LiteLLM proxy (litellm[proxy]==1.108.7 from the test venv, test/real-peers/) on loopback, in front of
 * kneepoint's simulator, for tests and the bench:litellm benchmark. One proxy costs ~10 s of startup on this
 * machine: start one per test file.
 *
 * What the config needs, found against 1.108.7 (see test/litellm/README.md for the wire differences):
 *  - `hosted_vllm/<served model>` with `api_base: http://127.0.0.1:<sim>/v1`: streams pass through with the
 *    usage chunk when the client asks for `stream_options.include_usage`, and vLLM's `ignore_eos` is forwarded
 *    as is (no extra_body or allowed_openai_params needed). `openai/<model>` behaves the same.
 *  - `general_settings.master_key` and no database: the master key is the only key that works. Any other key is
 *    answered 400 `no_db_connection` ("No connected db."), not 401: a proxy without a database cannot look
 *    virtual keys up. A request without a key is answered 500 "Internal Server Error": 1.108.7's unhandled-error
 *    handler imports `prisma`, which `litellm[proxy]` does not install (it is in `extra_proxy`).
 *  - Offline: LITELLM_LOCAL_MODEL_COST_MAP=True (else it fetches the cost map from GitHub, 3 tries with backoff)
 *    and HF_HUB_OFFLINE=1. The simulator serves a model name without "llama-3" in it, because LiteLLM's token
 *    counter loads the Xenova/llama-3-tokenizer from the Hub for such names (5 retries, ~23 s, on every start).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimProcess, type SimProcess } from "../../src/cli/start-sim-process.ts";
import { afterAll, beforeAll } from "vitest";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { LITELLM } from "../real-peers/pins.ts";

/** The model name clients send to the proxy (the seed's LiteLLM model group). */
export const PROXY_MODEL = "qwen-local";
/** The simulator's served model name behind the proxy. */
export const SIM_MODEL = "sim-qwen";

export interface LitellmProxy {
  /** http://127.0.0.1:<port>, without /v1. */
  url: string;
  masterKey: string;
  /** The proxy's process id (the leader of its process group). */
  pid: number;
  /** Everything the proxy printed so far (its log; LITELLM_LOG=ERROR keeps it short). */
  log(): string;
  stop(): Promise<void>;
}

export interface ProxiedSim {
  sim: SimProcess;
  proxy: LitellmProxy;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the proxy binds it a moment later; a clash shows as a failed start). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port from listen(0)");
  return address.port;
}

export function litellmConfigYaml(opts: { upstreamBaseUrl: string; upstreamModel: string; masterKey: string; modelName?: string }): string {
  return [
    "model_list:",
    `  - model_name: ${opts.modelName ?? PROXY_MODEL}`,
    "    litellm_params:",
    `      model: hosted_vllm/${opts.upstreamModel}`,
    `      api_base: ${opts.upstreamBaseUrl}/v1`,
    "general_settings:",
    `  master_key: ${opts.masterKey}`,
    "litellm_settings:",
    "  telemetry: false",
    "  success_callback: []",
    "  failure_callback: []",
    "",
  ].join("\n");
}

function proxyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LITELLM_LOG: "ERROR",
    LITELLM_LOCAL_MODEL_COST_MAP: "True",
    LITELLM_TELEMETRY: "False",
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    NO_COLOR: "1",
    PYTHONUNBUFFERED: "1",
  };
  // Nothing of the harness' own target settings leaks into the proxy (it reads OPENAI_API_KEY for openai/ models).
  for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL", "BASE_URL"]) delete env[k];
  return env;
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | null = null;
  child.once("exit", (code, signal) => (exited = `exited with ${code ?? signal}`));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the LiteLLM proxy ${exited} before it was ready:\n${log().trim().split("\n").slice(-15).join("\n")}`);
    try {
      // The readiness probe needs no key; it answers once the config's models are loaded.
      const res = await fetch(`${url}/health/readiness`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the LiteLLM proxy at ${url} was not ready within ${timeoutMs / 1000} s:\n${log().trim().split("\n").slice(-15).join("\n")}`);
}

/** Kills the whole process group (the proxy may run workers) and waits for the leader to exit. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  const t = setTimeout(() => kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}

/** Starts a LiteLLM proxy in front of `upstreamBaseUrl` serving `upstreamModel` as `qwen-local`. */
export async function startLitellmProxy(opts: { upstreamBaseUrl: string; upstreamModel: string; masterKey?: string; timeoutMs?: number }): Promise<LitellmProxy> {
  const bin = peerBin(LITELLM, "litellm");
  const masterKey = opts.masterKey ?? `sk-kneepoint-test-${Math.random().toString(36).slice(2, 12)}`;
  const dir = mkdtempSync(join(tmpdir(), "kp-litellm-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, litellmConfigYaml({ upstreamBaseUrl: opts.upstreamBaseUrl, upstreamModel: opts.upstreamModel, masterKey }));
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(bin, ["--config", configPath, "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"], {
      cwd: dir,
      env: proxyEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group, killed as one
    });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const log = () => output;
    try {
      await waitReady(url, child, log, opts.timeoutMs ?? 90_000);
      return {
        url,
        masterKey,
        pid: child.pid!,
        log,
        stop: async () => {
          await stopGroup(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      await stopGroup(child);
      // A port taken between findFreePort and the bind: try once more on another.
      if (!/address already in use/i.test(output)) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/** kneepoint's simulator (deterministic TTFT/ITL) and a LiteLLM proxy in front of it. */
export async function startProxiedSim(simArgs: string[] = ["--ttft-ms", "20", "--itl-ms", "5"], masterKey?: string): Promise<ProxiedSim> {
  const sim = await startSimProcess([...simArgs, "--served-model-name", SIM_MODEL]);
  let proxy: LitellmProxy;
  try {
    proxy = await startLitellmProxy({ upstreamBaseUrl: sim.url, upstreamModel: SIM_MODEL, ...(masterKey ? { masterKey } : {}) });
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return {
    sim,
    proxy,
    stop: async () => {
      await Promise.all([proxy.stop(), sim.stop()]);
    },
  };
}

/**
 * For a test file: whether it runs (the pinned LiteLLM installed; under CI=true a missing one throws, never skips),
 * and one simulator + proxy for the whole file (deterministic TTFT 20 ms / ITL 5 ms), started and stopped by
 * vitest's hooks. `target()` is valid inside the tests.
 */
export function useProxiedSim(): { skip: string | undefined; target: () => ProxiedSim } {
  const skip = skipReason(LITELLM);
  let target: ProxiedSim | undefined;
  beforeAll(async () => {
    if (!skip) target = await startProxiedSim(["--ttft-ms", "20", "--itl-ms", "5"]);
  }, 120_000);
  afterAll(async () => {
    await target?.stop();
  });
  return { skip, target: () => target! };
}
