/**
 * `storage.simple_storage_service`: each report file as the object `{path}/{report_file_prefix}{name}.{ext}` in
 * `bucket_name`, through the AWS SDK (S3 and S3-compatible servers via `endpoint_url`). As inference-perf
 * (kubernetes-sigs/inference-perf inference_perf/client/filestorage/s3.py): HeadObject first and skip a key that
 * exists (an upload never overwrites); any other HeadObject answer than 404 still tries the upload; JSON compact.
 * Credentials come from the SDK's default chain (AWS_* env, profile, web identity); they never appear in messages.
 * Region: `region_name`, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (boto3 needs none for S3).
 * Addressing: `path` → path-style; `virtual` → virtual-hosted; `auto` (or unset) → path-style when
 * `endpoint_url` is set (MinIO, Ceph, s3rver and most S3-compatible servers need it), the SDK's choice otherwise.
 * Every file is tried; failures come back as one EnvironmentError naming the bucket.
 */
import type { HeadObjectCommand, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { EnvironmentError } from "../../errors.ts";
import { scrubSecrets } from "../../redact.ts";
import { contentType, objectKey, reportFileName, serializeReportFile, type ReportFile } from "./report-file.ts";
import type { UploadOutcome } from "./storage-outcome.ts";

export interface S3StorageTarget {
  bucketName: string;
  path: string | null;
  reportFilePrefix: string | null;
  endpointUrl: string | null;
  regionName: string | null;
  addressingStyle: "auto" | "virtual" | "path" | null;
}

export interface S3Deps {
  /** Extra client config (tests: credentials for a local server). */
  clientConfig?: Partial<S3ClientConfig>;
  env?: NodeJS.ProcessEnv;
}

export function s3ClientConfig(target: S3StorageTarget, env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const pathStyle = target.addressingStyle === "path" || ((target.addressingStyle ?? "auto") === "auto" && target.endpointUrl !== null);
  return {
    region: target.regionName ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    ...(target.endpointUrl !== null ? { endpoint: target.endpointUrl } : {}),
    forcePathStyle: pathStyle,
    maxAttempts: 3,
  };
}

/**
 * The SDK's client constructor prints a multi-line NodeVersionSupportWarning on Node < 22 (about SDK releases of
 * 2027 needing Node 22), in the middle of a run's output; it says nothing about this run. The SDK reads this
 * variable from process.env when the client is built; a user who set it keeps their value.
 */
function silenceNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

export async function uploadS3Reports(files: readonly ReportFile[], target: S3StorageTarget, deps: S3Deps = {}): Promise<UploadOutcome> {
  const env = deps.env ?? process.env;
  silenceNodeVersionWarning();
  // Loaded here, not at the top: the SDK costs every other command of the CLI its start-up time.
  const { HeadObjectCommand, PutObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
  const client = new S3Client({ ...s3ClientConfig(target, env), ...deps.clientConfig });
  const secrets = [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.AWS_ACCESS_KEY_ID];
  const outcome: UploadOutcome = { uploaded: [], skipped: [] };
  const failures: string[] = [];
  try {
    for (const file of files) {
      const key = objectKey(target.path, target.reportFilePrefix, reportFileName(file));
      const uri = `s3://${target.bucketName}/${key}`;
      try {
        if (await objectExists(client, HeadObjectCommand, target.bucketName, key)) {
          outcome.skipped.push(uri);
          continue;
        }
        await client.send(
          new PutObjectCommand({ Bucket: target.bucketName, Key: key, Body: serializeReportFile(file, "compact"), ContentType: contentType(file) }),
        );
        outcome.uploaded.push(uri);
      } catch (err) {
        failures.push(`${uri}: ${describeS3Error(err)}`);
      }
    }
  } finally {
    client.destroy();
  }
  if (failures.length > 0) {
    const first = failures[0] as string;
    throw new EnvironmentError(
      scrubSecrets(`could not upload ${failures.length} of ${files.length} report files to S3 bucket ${target.bucketName}: ${first}`, secrets),
      hintFor(first, target),
    );
  }
  return outcome;
}

/** true when HeadObject finds the key; false on 404; any other answer is not a reason to skip (inference-perf). */
async function objectExists(client: S3Client, Head: typeof HeadObjectCommand, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new Head({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (err as Error).name === "NotFound") return false;
    if (status === undefined) throw err; // no HTTP answer at all (DNS, refused): the upload would fail the same way
    return false;
  }
}

function describeS3Error(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== "Error" ? e.name : (e.code ?? "error");
  return `${name}${status !== undefined ? ` (HTTP ${status})` : ""}: ${e.message ?? String(err)}`;
}

function hintFor(detail: string, target: S3StorageTarget): string {
  if (/NoSuchBucket/.test(detail)) return `create the bucket ${target.bucketName} or fix storage.simple_storage_service.bucket_name`;
  if (/AccessDenied|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch|Credential|ExpiredToken|HTTP 403/i.test(detail)) {
    return `give the AWS credentials in use (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the pod's role) s3:PutObject and s3:GetObject on ${target.bucketName}`;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket|getaddrinfo/i.test(detail)) {
    return target.endpointUrl !== null
      ? `check storage.simple_storage_service.endpoint_url (${target.endpointUrl}) is reachable`
      : "check network access to S3 (region_name, proxy settings)";
  }
  return "the local report files were written; fix storage.simple_storage_service and upload them again (existing keys are skipped)";
}
