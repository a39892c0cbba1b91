/**
 * writeScenarioReports end to end, with all three sinks real or faithful: a temp directory (local_storage),
 * s3rver on 127.0.0.1 through the AWS SDK (simple_storage_service), and the GCS JSON-API double through
 * @google-cloud/storage (google_cloud_storage). The same files land everywhere under `{path}/{prefix}{name}`,
 * keys that exist are never overwritten, a failing bucket is an EnvironmentError after the local files are
 * written, and a secret never reaches a file or a message.
 */
import { parse as parseYaml } from "yaml";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError } from "../../src/errors.ts";
import type { ScenarioReportOptions } from "../../src/scenarios/report/scenario-report-options.ts";
import { writeScenarioReports, type WriteScenarioReportsOptions } from "../../src/scenarios/report/write-scenario-reports.ts";
import type { StageRun } from "../../src/scenarios/types.ts";
import { crc32cBase64, startGcsDouble, type GcsDouble } from "./gcs-double.ts";
import { scenarioRecord } from "./scenario-record.ts";
import { S3RVER_CREDENTIALS, startS3rver } from "./start-s3rver.ts";

const SECRET = "sk-live-abcdef123456";
const CONFIG_YAML = `api:\n  type: completion\nserver:\n  api_key: ${SECRET}\nreport:\n  request_lifecycle:\n    per_request: true\n`;
// In inference-perf 0.7.0's order: lifecycle files, BR0.2 partials, config.yaml, then validation.json of them all.
const NAMES = [
  "summary_lifecycle_metrics.json",
  "stage_0_lifecycle_metrics.json",
  "stage_1_lifecycle_metrics.json",
  "per_request_lifecycle_metrics.json",
  "kneepoint_per_request.json",
  "inference-perf.partial.stage_0.yaml",
  "inference-perf.partial.stage_1.yaml",
  "config.yaml",
  "validation.json",
];

const stage = (index: number, rate: number, t0: number): StageRun => ({
  index,
  plan: { kind: "constant", rate, durationS: 1 },
  status: "completed",
  startMs: t0,
  endMs: t0 + 300,
  startEpochMs: 1_700_000_000_000 + t0,
  endEpochMs: 1_700_000_000_300 + t0,
  unsent: 0,
  records: [
    scenarioRecord({ stage: index, scheduledMs: t0, sendMs: t0 + 1, chunkTimesMs: [t0 + 51, t0 + 61, t0 + 71], endMs: t0 + 75, promptTokens: 12, completionTokens: 3 }),
    scenarioRecord({ stage: index, scheduledMs: t0 + 100, sendMs: t0 + 100.5, endMs: t0 + 120, error: { reason: "http", status: 429, message: "HTTP 429: slow down" } }),
  ],
});
const STAGES = [stage(0, 5, 0), stage(1, 10, 1000)];
const REPORT: ScenarioReportOptions = {
  summary: true,
  perStage: true,
  perRequest: true,
  percentiles: [50, 90, 99],
  useServerOutputTokens: false,
  maxErrorMessages: 10,
  goodput: { ttft: 0.1 },
};

let s3: { url: string; close(): Promise<void> };
let gcs: GcsDouble;
let dir: string;
let s3Client: S3Client;
const processWarnings: string[] = [];
const recordWarning = (w: Error) => processWarnings.push(`${w.name}: ${w.message}`);

function options(localPath: string, over: Partial<WriteScenarioReportsOptions> = {}): WriteScenarioReportsOptions {
  return {
    stages: STAGES,
    configYaml: CONFIG_YAML,
    report: REPORT,
    secrets: [SECRET],
    storage: {
      local: { path: localPath, reportFilePrefix: null },
      s3: { bucketName: "bench-results", path: "runs/r1", reportFilePrefix: "sim-", endpointUrl: s3.url, regionName: null, addressingStyle: "auto" },
      gcs: { bucketName: "gcs-results", path: "runs/r1", reportFilePrefix: null },
    },
    s3Deps: { clientConfig: { credentials: S3RVER_CREDENTIALS } },
    gcsDeps: { storageOptions: { apiEndpoint: gcs.url } },
    ...over,
  };
}

async function s3Text(key: string): Promise<string> {
  const out = await s3Client.send(new GetObjectCommand({ Bucket: "bench-results", Key: key }));
  return out.Body!.transformToString();
}

beforeAll(async () => {
  s3 = await startS3rver(["bench-results"]);
  gcs = await startGcsDouble(["gcs-results"]);
  dir = mkdtempSync(join(tmpdir(), "kneepoint-reports-"));
  process.on("warning", recordWarning);
});
afterAll(async () => {
  process.off("warning", recordWarning);
  s3Client?.destroy();
  await s3?.close();
  await gcs?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("writeScenarioReports", () => {
  let written: Awaited<ReturnType<typeof writeScenarioReports>>;
  const local = () => join(dir, "first");

  beforeAll(async () => {
    written = await writeScenarioReports(options(local()));
    // The test's own client is built after the upload, so the upload is the first S3 client of this process.
    s3Client = new S3Client({ region: "us-east-1", endpoint: s3.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  });

  it("the AWS SDK's Node version warning does not interrupt the output", async () => {
    await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
    expect(processWarnings.filter((w) => w.includes("NodeVersionSupportWarning"))).toEqual([]);
  });

  it("writes inference-perf's files locally, then to every bucket", () => {
    expect(written.files).toEqual([
      ...NAMES.map((n) => join(local(), n)),
      ...NAMES.map((n) => `s3://bench-results/runs/r1/sim-${n}`),
      ...NAMES.map((n) => `gs://gcs-results/runs/r1/${n}`),
    ]);
    expect(written.warnings).toEqual([]);
  });

  it("the same documents everywhere: indented locally, compact in buckets", async () => {
    for (const name of NAMES.filter((n) => n.endsWith(".json"))) {
      const localText = readFileSync(join(local(), name), "utf8");
      expect(localText).toMatch(/\n {2}\S/);
      const s3Body = await s3Text(`runs/r1/sim-${name}`);
      const gcsBody = gcs.objects.get(`gcs-results/runs/r1/${name}`)!.body;
      expect(s3Body).not.toContain("\n");
      expect(JSON.parse(s3Body)).toEqual(JSON.parse(localText));
      expect(gcsBody).toBe(s3Body);
    }
    const summary = JSON.parse(readFileSync(join(local(), "stage_1_lifecycle_metrics.json"), "utf8"));
    expect(summary.load_summary.requested_rate).toBe(10);
    expect(summary.successes.goodput_metrics.good_requests).toBe(1);
    expect(Object.keys(summary.failures.by_label)).toEqual(["429 - Rate Limit"]);
  });

  it("kneepoint's own files (the server time series) go with the reports to every sink, before config.yaml", async () => {
    const series = { samples: [{ t_epoch_s: 1, kv_cache_usage_perc: 0.5, num_requests_waiting: 2, num_requests_running: 3 }], stages: [] };
    const out = join(dir, "with-series");
    const res = await writeScenarioReports(
      options(out, {
        storage: { local: { path: out, reportFilePrefix: null }, s3: { ...options(out).storage.s3!, path: "runs/series" }, gcs: null },
        extraFiles: [{ name: "server_metrics_timeseries", kind: "json", contents: series }],
      }),
    );
    const at = NAMES.indexOf("config.yaml");
    expect(res.files.slice(at, at + 2)).toEqual([join(out, "server_metrics_timeseries.json"), join(out, "config.yaml")]);
    expect(JSON.parse(readFileSync(join(out, "server_metrics_timeseries.json"), "utf8"))).toEqual(series);
    expect(JSON.parse(await s3Text("runs/series/sim-server_metrics_timeseries.json"))).toEqual(series);
  });

  it("content types: every bucket object as application/json, config.yaml too (as inference-perf's s3.py/gcs.py)", async () => {
    expect((await s3Client.send(new HeadObjectCommand({ Bucket: "bench-results", Key: "runs/r1/sim-stage_0_lifecycle_metrics.json" }))).ContentType).toBe("application/json");
    expect((await s3Client.send(new HeadObjectCommand({ Bucket: "bench-results", Key: "runs/r1/sim-config.yaml" }))).ContentType).toBe("application/json");
    expect(gcs.objects.get("gcs-results/runs/r1/config.yaml")!.contentType).toBe("application/json");
  });

  it("the config is stored with the secret scrubbed in every sink: YAML locally, json.dumps of it in buckets", async () => {
    const localConfig = readFileSync(join(local(), "config.yaml"), "utf8");
    expect(localConfig).toBe(CONFIG_YAML.replace(SECRET, "[redacted]"));
    const asJson = JSON.stringify(parseYaml(localConfig)).replace(/,"/g, ', "').replace(/":/g, '": ');
    expect(await s3Text("runs/r1/sim-config.yaml")).toBe(asJson);
    expect(gcs.objects.get("gcs-results/runs/r1/config.yaml")!.body).toBe(asJson);
  });

  it("never overwrites a bucket key that exists (as inference-perf), but rewrites local files", async () => {
    const before = await s3Text("runs/r1/sim-summary_lifecycle_metrics.json");
    const again = await writeScenarioReports(options(local(), { report: { ...REPORT, percentiles: [50] } }));
    expect(again.files).toEqual(NAMES.map((n) => join(local(), n)));
    expect(again.warnings).toHaveLength(2 * NAMES.length);
    expect(again.warnings[0]).toMatch(/^s3:\/\/bench-results\/runs\/r1\/sim-summary_lifecycle_metrics.json already exists/);
    expect(await s3Text("runs/r1/sim-summary_lifecycle_metrics.json")).toBe(before);
    expect(JSON.parse(readFileSync(join(local(), "summary_lifecycle_metrics.json"), "utf8")).successes.latency.request_latency).not.toHaveProperty("p90");
  });

  it("a failing bucket is an EnvironmentError naming it, raised after the local files and the other bucket", async () => {
    const path = join(dir, "failing");
    gcs.failUploads = true;
    let error: unknown;
    try {
      await writeScenarioReports(
        options(path, {
          storage: {
            local: { path, reportFilePrefix: "x-" },
            s3: { bucketName: "no-such-bucket", path: null, reportFilePrefix: null, endpointUrl: s3.url, regionName: "eu-west-1", addressingStyle: "path" },
            gcs: { bucketName: "gcs-results", path: "failing", reportFilePrefix: null },
          },
        }),
      );
    } catch (err) {
      error = err;
    } finally {
      gcs.failUploads = false;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    const e = error as EnvironmentError;
    expect(e.message).toContain("S3 bucket no-such-bucket");
    expect(e.message).toContain("NoSuchBucket");
    expect(e.message).toContain("GCS bucket gcs-results");
    expect(e.message).toContain("403");
    expect(e.message).toContain(path);
    expect(e.hint).toContain("create the bucket no-such-bucket");
    expect(e.hint).toContain("roles/storage.objectCreator");
    expect(`${e.message} ${e.hint}`).not.toContain(SECRET);
    for (const n of NAMES) expect(existsSync(join(path, `x-${n}`)), n).toBe(true);
  });

  it("a GCS bucket that does not exist is named, nothing is uploaded to it", async () => {
    const before = gcs.objects.size;
    await expect(
      writeScenarioReports(options(join(dir, "nogcs"), { storage: { local: { path: join(dir, "nogcs"), reportFilePrefix: null }, s3: null, gcs: { bucketName: "missing", path: null, reportFilePrefix: null } } })),
    ).rejects.toThrow(/GCS bucket missing does not exist/);
    expect(gcs.objects.size).toBe(before);
  });
});

describe("the GCS double itself", () => {
  it("computes CRC32C as GCS does (check value of '123456789' is 0xE3069283)", () => {
    expect(Buffer.from(crc32cBase64(Buffer.from("123456789")), "base64").readUInt32BE()).toBe(0xe3069283);
  });

  it("answers calls the library makes that it does not implement with 501", async () => {
    const res = await fetch(`${gcs.url}/storage/v1/b/gcs-results/o`, { method: "DELETE" });
    expect(res.status).toBe(501);
  });
});
