/**
 * server.cert_path / server.key_path against the simulator serving HTTPS with client certificates required
 * (`--tls-client-ca`): throwaway certificates from the openssl CLI (test/kube-control-plane/certs.ts) in a temp dir.
 * `kneepoint run` runs as its own process, since Node reads NODE_EXTRA_CA_CERTS (the server's private CA) at start.
 * With the certificate the run succeeds; without it, with a certificate from another CA, without the CA, or with a
 * key file that is not there, it fails with the reason in one line (no stack trace), and the key never shows.
 * Where the real inference-perf 0.7.0 is installed it runs the same config (its CA through SSL_CERT_FILE) and both
 * count the same successes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startSimulator, type RunningSimulator } from "../../src/sim/server.ts";
import { makePki, type Pki } from "../kube-control-plane/certs.ts";
import { INFERENCE_PERF_NEWEST } from "../real-peers/pins.ts";
import { peerBin, skipReason } from "../real-peers/peers.ts";
import { runChild, tail } from "../parity/run-child.ts";
import { TINY_TOKENIZER_DIR } from "../parity/run-parity-case.ts";
import { runKneepoint } from "../run-kneepoint.ts";
import { opensslSkipReason } from "./openssl-available.ts";

const MODEL = "tls-model";
const REQUESTS = 6;
const noOpenssl = opensslSkipReason();

describe.skipIf(noOpenssl !== undefined)("server.cert_path / key_path against a simulator that requires client certificates", () => {
  let dir: string;
  let pki: Pki;
  let otherPki: Pki;
  let sim: RunningSimulator;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kneepoint-tls-"));
    const [a, b] = [join(dir, "pki"), join(dir, "other-pki")];
    mkdirSync(a);
    mkdirSync(b);
    [pki, otherPki] = await Promise.all([makePki(a, { ips: ["127.0.0.1"], dns: ["localhost"] }), makePki(b, { ips: ["127.0.0.1"], dns: ["localhost"] })]);
    sim = await startSimulator({ ttftMs: 5, itlMs: 2, modelName: MODEL, tlsCert: pki.apiserver.cert, tlsKey: pki.apiserver.key, tlsClientCa: pki.ca.cert });
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A config of REQUESTS requests (concurrent, so both tools send the same number) with the given server block. */
  function config(name: string, server: Record<string, unknown>): { path: string; reports: string } {
    const reports = join(dir, name, "reports");
    const doc = {
      data: { type: "mock" },
      load: { type: "concurrent", stages: [{ num_requests: REQUESTS, concurrency_level: 2 }] },
      api: { type: "completion", streaming: true },
      server: { type: "vllm", base_url: sim.url, model_name: MODEL, ...server },
      tokenizer: { pretrained_model_name_or_path: TINY_TOKENIZER_DIR.replace(/\/$/, "") },
      storage: { local_storage: { path: reports } },
    };
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, stringify(doc));
    return { path, reports };
  }

  /** Node trusts the simulator's private CA only through NODE_EXTRA_CA_CERTS. */
  const withCa = () => ({ NODE_EXTRA_CA_CERTS: pki.ca.cert });
  const successes = (reports: string) => (JSON.parse(readFileSync(join(reports, "summary_lifecycle_metrics.json"), "utf8")) as { successes: { count: number } }).successes.count;

  /** `kneepoint run` in its own process, killed after 45 s (its stderr then says where it stood). */
  function kneepoint(args: string[], env: Record<string, string>) {
    let timer: NodeJS.Timeout | undefined;
    return runKneepoint(args, { env, onStderr: (_s, child) => (timer ??= setTimeout(() => child.kill("SIGKILL"), 45_000)) }).finally(() => clearTimeout(timer));
  }

  /** The key's PEM body never appears in what kneepoint prints. */
  function expectNoKey(out: string, keyPath: string): void {
    const body = readFileSync(keyPath, "utf8").split("\n").filter((l) => l && !l.startsWith("-----"));
    for (const line of body) expect(out).not.toContain(line);
  }

  it("sim: serves https only to clients with a certificate its CA signed", async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("run: succeeds with the client certificate (every request answered)", async () => {
    const { path, reports } = config("ok", { cert_path: pki.admin.cert, key_path: pki.admin.key });
    const run = await kneepoint(["run", "-c", path, "--no-charts"], withCa());
    expect(run.code, run.stderr).toBe(0);
    expect(successes(reports)).toBe(REQUESTS);
    expectNoKey(run.stdout + run.stderr, pki.admin.key);
    expect(readFileSync(join(reports, "config.yaml"), "utf8")).toContain(`cert_path: ${pki.admin.cert}`);
  }, 60_000);

  it("run: without a client certificate, exit 3 with the server's reason and what to set", async () => {
    const { path } = config("no-cert", {});
    const run = await kneepoint(["run", "-c", path, "--no-charts"], withCa());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/TLS with the target at https:\/\/127\.0\.0\.1:\d+ failed: the server requires a client certificate \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/);
    expect(run.stderr).toMatch(/hint: set server\.cert_path and server\.key_path/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("run: a certificate from another CA is refused, with that reason", async () => {
    const { path } = config("other-ca", { cert_path: otherPki.admin.cert, key_path: otherPki.admin.key });
    const run = await kneepoint(["run", "-c", path, "--no-charts"], withCa());
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the server refused the client certificate/);
    expectNoKey(run.stdout + run.stderr, otherPki.admin.key);
  }, 60_000);

  it("run: without the server's CA (NODE_EXTRA_CA_CERTS), exit 3 naming how to pass it", async () => {
    const { path } = config("no-ca", { cert_path: pki.admin.cert, key_path: pki.admin.key });
    const run = await kneepoint(["run", "-c", path, "--no-charts"], { NODE_EXTRA_CA_CERTS: "" });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the server's certificate is not signed by a trusted CA/);
    expect(run.stderr).toMatch(/NODE_EXTRA_CA_CERTS=ca\.pem/);
  }, 60_000);

  it("run: an unreadable key file is a config error naming the key and the path; a mismatched pair too", async () => {
    const missing = join(dir, "nope.key");
    const a = await kneepoint(["run", "-c", config("missing-key", { cert_path: pki.admin.cert, key_path: missing }).path, "--no-charts"], withCa());
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`server.key_path: cannot read ${missing} (ENOENT)`);
    const b = await kneepoint(["run", "-c", config("mismatch", { cert_path: pki.admin.cert, key_path: pki.scheduler.key }).path, "--no-charts"], withCa());
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/server\.cert_path: the client certificate .* and key .* cannot be used \(.*key values mismatch\)/);
    expectNoKey(b.stdout + b.stderr, pki.scheduler.key);
  }, 60_000);

  // The real inference-perf, where installed (KNEEPOINT_TEST_PEERS=skip skips it; missing fails, as in test/parity).
  const noPeer = skipReason(INFERENCE_PERF_NEWEST);
  it.skipIf(noPeer !== undefined)("parity: inference-perf 0.7.0 with the same certificate (its CA as SSL_CERT_FILE) counts the same successes", async () => {
    const server = { cert_path: pki.admin.cert, key_path: pki.admin.key };
    const ip = config("ip", server);
    const kp = config("kp", server);
    const ipRun = await runChild(peerBin(INFERENCE_PERF_NEWEST, "inference-perf"), ["-c", ip.path], {
      cwd: dir,
      env: { ...process.env, SSL_CERT_FILE: pki.ca.cert, HF_HUB_OFFLINE: "1" },
      timeoutMs: 90_000,
    });
    expect(ipRun.code, tail(ipRun.stderr + ipRun.stdout)).toBe(0);
    const kpRun = await kneepoint(["run", "-c", kp.path, "--no-charts"], withCa());
    expect(kpRun.code, kpRun.stderr).toBe(0);
    expect(successes(kp.reports)).toBe(successes(ip.reports));
    expect(successes(ip.reports)).toBe(REQUESTS);
  }, 120_000);
});
