import { describe, expect, it } from "vitest";
import { objectKey, reportFileName, serializeReportFile, contentType } from "./report-file.ts";
import { s3ClientConfig } from "./s3-storage.ts";

describe("report file names and object keys (inference-perf: {path}/{prefix}{name}.{ext})", () => {
  it("joins path, prefix and file name; no leading slash without a path", () => {
    expect(objectKey("runs/a", "sim-", "config.yaml")).toBe("runs/a/sim-config.yaml");
    expect(objectKey(null, null, "summary_lifecycle_metrics.json")).toBe("summary_lifecycle_metrics.json");
    expect(objectKey("/abs/dir", null, "x.json")).toBe("abs/dir/x.json");
    expect(reportFileName({ name: "stage_3_prometheus_metrics", kind: "json", contents: {} })).toBe("stage_3_prometheus_metrics.json");
  });

  it("JSON indented for files, compact for buckets; YAML as given locally, as Python's json.dumps of it in buckets", () => {
    const f = { name: "s", kind: "json", contents: { a: [1] } } as const;
    expect(serializeReportFile(f, "indented")).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(serializeReportFile(f, "compact")).toBe('{"a":[1]}');
    const config = { name: "config", kind: "yaml", text: "a: 1\nb: 1.0\nc: [0.5, é]\nd: {e: null}\n" } as const;
    expect(serializeReportFile(config, "indented")).toBe(config.text);
    expect(serializeReportFile(config, "compact")).toBe('{"a": 1, "b": 1.0, "c": [0.5, "\\u00e9"], "d": {"e": null}}');
    expect(contentType(config)).toBe("application/json");
  });
});

describe("S3 client config", () => {
  const base = { bucketName: "b", path: null, reportFilePrefix: null, endpointUrl: null, regionName: null, addressingStyle: null } as const;
  it("region: region_name, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1", () => {
    expect(s3ClientConfig({ ...base, regionName: "eu-west-3" }, { AWS_REGION: "x" }).region).toBe("eu-west-3");
    expect(s3ClientConfig(base, { AWS_DEFAULT_REGION: "ap-south-1" }).region).toBe("ap-south-1");
    expect(s3ClientConfig(base, {}).region).toBe("us-east-1");
  });
  it("addressing: path forces path-style; auto is path-style only with an endpoint_url", () => {
    expect(s3ClientConfig({ ...base, addressingStyle: "path" }, {}).forcePathStyle).toBe(true);
    expect(s3ClientConfig({ ...base, addressingStyle: "virtual", endpointUrl: "http://minio:9000" }, {}).forcePathStyle).toBe(false);
    expect(s3ClientConfig({ ...base, addressingStyle: "auto", endpointUrl: "http://minio:9000" }, {})).toMatchObject({ forcePathStyle: true, endpoint: "http://minio:9000" });
    expect(s3ClientConfig(base, {}).forcePathStyle).toBe(false);
  });
});
