/**
 * Starts a real Prometheus (Debian's `prometheus` package, /usr/bin/prometheus) on loopback for integration
 * tests: a free port found by binding a socket first (Prometheus has no port 0), a temp TSDB, a 1 s scrape
 * interval, and static targets with extra labels (to stand in for Kubernetes' pod / exported_pod).
 * Skips with a message when the binary is missing locally; in CI (CI=true) a missing binary fails.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

/** True when the tests must be skipped (no prometheus outside CI); logs why. Throws in CI. */
export function skipWithoutPrometheus(): boolean {
  if (spawnSync(PROMETHEUS_BIN, ["--version"], { encoding: "utf8" }).status === 0) return false;
  if (process.env.CI === "true") throw new Error(`${PROMETHEUS_BIN} is required in CI: install Debian's \`prometheus\` package`);
  console.warn(`${PROMETHEUS_BIN} not found (install Debian's \`prometheus\` package, or set PROMETHEUS_BIN): skipping the Prometheus integration tests`);
  return true;
}

export interface ScrapeJob {
  name: string;
  /** host:port */
  target: string;
  metricsPath: string;
  labels?: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function configYaml(jobs: readonly ScrapeJob[], scrapeIntervalS: number): string {
  // JSON is YAML: no hand-written indentation to get wrong.
  return JSON.stringify({
    global: { scrape_interval: `${scrapeIntervalS}s`, scrape_timeout: `${scrapeIntervalS}s`, evaluation_interval: `${scrapeIntervalS}s` },
    scrape_configs: jobs.map((j) => ({
      job_name: j.name,
      metrics_path: j.metricsPath,
      static_configs: [{ targets: [j.target], labels: j.labels ?? {} }],
    })),
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>, child: ChildProcess, stderr: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}) while waiting for ${what}:\n${stderr()}`);
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`prometheus: timed out waiting for ${what}:\n${stderr().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Prometheus and resolves once every job has been scraped successfully at least once. */
export async function startPrometheus(jobs: readonly ScrapeJob[], scrapeIntervalS = 1): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "kneepoint-prom-"));
  writeFileSync(join(dir, "prometheus.yml"), configYaml(jobs, scrapeIntervalS));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor("/-/ready", 15_000, async () => ((await fetch(`${url}/-/ready`)).ok ? true : null), child, () => stderr);
    await waitFor("every target up", 15_000, async () => {
      const body = new URLSearchParams({ query: "count(up == 1)" });
      const json = (await (await fetch(`${url}/api/v1/query`, { method: "POST", body })).json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(json.data.result[0]?.value[1] ?? 0) === jobs.length ? true : null;
    }, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}
