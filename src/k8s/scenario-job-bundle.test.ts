/**
 * `run --log-reports` as the scenario Job runs it: the engine bundle with plain `node` in a directory without
 * node_modules (as in the pod), against a simulator process, a config storing to S3 (s3rver, a real S3-compatible
 * server). The bucket clients come from their own bundle (the kneepoint-engine-buckets ConfigMap's file): the reports
 * land in the bucket AND in the log, where they decode to the files written locally. Without that bundle the run
 * still logs its local reports and exits 3 saying what to create. A config with server.cert_path gets its TLS client
 * certificate (undici, not in the engine bundle) from the same optional bundle, against a simulator that requires one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { buildBucketsBundle, buildEngineBundle } from "./engine-bundle.ts";
import { decodeReportBlocks } from "./scenario-job-log.ts";
import { startSimProcess, type SimProcess } from "../cli/start-sim-process.ts";
import { S3RVER_CREDENTIALS, startS3rver } from "../../test/scenarios-report/start-s3rver.ts";
import { makePki, type Pki } from "../../test/kube-control-plane/certs.ts";
import { opensslSkipReason } from "../../test/tls/openssl-available.ts";
import { startSimulator, type RunningSimulator } from "../sim/server.ts";

const BUCKET = "inference-perf-results";
const dir = mkdtempSync(join(tmpdir(), "kp-scenario-bundle-"));
let sim: SimProcess;
let s3: { url: string; close(): Promise<void> };
let bucketsGz: string;
let engineCode: string;

beforeAll(async () => {
  const [engine, buckets, s, bucket] = await Promise.all([buildEngineBundle(), buildBucketsBundle(), startSimProcess(["--ttft-ms", "2", "--itl-ms", "1"]), startS3rver([BUCKET])]);
  [sim, s3] = [s, bucket];
  engineCode = gunzipSync(engine.gzipped).toString("utf8");
  writeFileSync(join(dir, "kneepoint.mjs"), engineCode);
  bucketsGz = join(dir, "kneepoint-buckets.mjs.gz");
  writeFileSync(bucketsGz, buckets.gzipped);
}, 60_000);
afterAll(async () => {
  await Promise.all([sim?.stop(), s3?.close()]);
});

/** 4 req/s for 1 s: 4 requests; the bucket and path of seed 000 (or `sets` instead of the bucket). */
function run(out: string, env: Record<string, string>, sets = [`server.base_url=${sim.url}`, `storage={simple_storage_service: {bucket_name: ${BUCKET}, path: 'baseline-test/${out}', endpoint_url: '${s3.url}'}}`]) {
  sets = ["load.stages[0].duration=1", "load.stages[0].rate=4", ...sets];
  const args = [join(dir, "kneepoint.mjs"), "run", "-c", "benchmarks/scenarios/baseline.yaml", ...sets.flatMap((s) => ["--set", s]), "--output", join(dir, out), "--no-charts", "--log-reports"];
  const base = { PATH: process.env.PATH ?? "", AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: "us-east-1" };
  // The config path is the repository's; the process runs in `dir`, which has no node_modules above it. Not
  // spawnSync: s3rver answers from this process.
  const child = spawn(process.execPath, args.map((a) => (a === "benchmarks/scenarios/baseline.yaml" ? join(process.cwd(), a) : a)), { cwd: dir, env: { ...base, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

async function bucketKeys(prefix: string): Promise<string[]> {
  const client = new S3Client({ region: "us-east-1", endpoint: s3.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  client.destroy();
  return (listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
}

describe("the scenario Job's engine: run --log-reports from the bundle", () => {
  it("uploads to the bucket with the bucket clients' bundle, and logs every local report file, byte for byte", async () => {
    const r = await run("with-buckets", { KNEEPOINT_BUCKETS_BUNDLE: bucketsGz });
    expect(r.status, r.stderr).toBe(0);
    const decoded = decodeReportBlocks(r.stdout);
    expect(decoded.problems).toEqual([]);
    const local = readdirSync(join(dir, "with-buckets")).sort();
    expect(decoded.files.map((f) => f.path).sort()).toEqual(local);
    for (const f of decoded.files) expect(f.bytes.equals(readFileSync(join(dir, "with-buckets", f.path))), f.path).toBe(true);
    const stage = JSON.parse(decoded.files.find((f) => f.path === "stage_0_lifecycle_metrics.json")!.bytes.toString()) as { successes: { count: number } };
    expect(stage.successes.count).toBe(4);
    const uploaded = await bucketKeys("baseline-test/with-buckets/");
    expect(uploaded).toEqual(expect.arrayContaining(["config.yaml", "stage_0_lifecycle_metrics.json", "summary_lifecycle_metrics.json"]));
  }, 60_000);

  it("without the bucket clients: the local reports are still logged, and exit 3 names the ConfigMap to create", async () => {
    const r = await run("no-buckets", { KNEEPOINT_BUCKETS_BUNDLE: join(dir, "absent.mjs.gz") });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/the config stores its reports in a bucket, but the optional clients \(bucket SDKs, TLS client certificates\) are not in this pod/);
    expect(r.stderr).toMatch(/kneepoint engine-configmap/);
    const decoded = decodeReportBlocks(r.stdout);
    expect(decoded.problems).toEqual([]);
    expect(decoded.files.map((f) => f.path)).toContain("stage_0_lifecycle_metrics.json");
  }, 60_000);

  describe.skipIf(opensslSkipReason() !== undefined)("server.cert_path in the bundle", () => {
    let pki: Pki;
    let tls: RunningSimulator;
    beforeAll(async () => {
      const pkiDir = join(dir, "pki");
      mkdirSync(pkiDir);
      pki = await makePki(pkiDir, { ips: ["127.0.0.1"], dns: ["localhost"] });
      tls = await startSimulator({ ttftMs: 2, itlMs: 1, tlsCert: pki.apiserver.cert, tlsKey: pki.apiserver.key, tlsClientCa: pki.ca.cert });
    }, 60_000);
    afterAll(async () => {
      await tls?.close();
    });
    const tlsSets = () => [`server.base_url=${tls.url}`, `server.cert_path=${pki.admin.cert}`, `server.key_path=${pki.admin.key}`];

    it("undici is not in the engine bundle; the certificate comes from the optional clients' bundle and the run succeeds", async () => {
      expect(engineCode).not.toMatch(/UND_ERR/);
      const r = await run("tls", { KNEEPOINT_BUCKETS_BUNDLE: bucketsGz, NODE_EXTRA_CA_CERTS: pki.ca.cert }, tlsSets());
      expect(r.status, r.stderr).toBe(0);
      const stage = JSON.parse(readFileSync(join(dir, "tls", "stage_0_lifecycle_metrics.json"), "utf8")) as { successes: { count: number } };
      expect(stage.successes.count).toBe(4);
    }, 60_000);

    it("without that bundle: exit 3 saying the certificate needs it", async () => {
      const r = await run("tls-no-bundle", { KNEEPOINT_BUCKETS_BUNDLE: join(dir, "absent.mjs.gz"), NODE_EXTRA_CA_CERTS: pki.ca.cert }, tlsSets());
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/the config sets server\.cert_path \(a TLS client certificate\), but the optional clients .* are not in this pod/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }, 60_000);
  });
});
