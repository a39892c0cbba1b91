/**
 * `storage.google_cloud_storage`: each report file as the object `{path}/{report_file_prefix}{name}.{ext}` in
 * `bucket_name`, through @google-cloud/storage (Application Default Credentials; STORAGE_EMULATOR_HOST or an
 * apiEndpoint for emulators). As inference-perf (kubernetes-sigs/inference-perf
 * inference_perf/client/filestorage/gcs.py): the bucket must exist (checked first), a key that exists is skipped
 * (never overwritten), JSON compact; config.yaml too is uploaded as JSON (application/json), as inference-perf does.
 * Every file is tried; failures come back as one EnvironmentError naming the bucket.
 */
import type { StorageOptions } from "@google-cloud/storage";
import { EnvironmentError } from "../../errors.ts";
import { contentType, objectKey, reportFileName, serializeReportFile, type ReportFile } from "./report-file.ts";
import type { UploadOutcome } from "./storage-outcome.ts";

export interface GcsStorageTarget {
  bucketName: string;
  path: string | null;
  reportFilePrefix: string | null;
}

export interface GcsDeps {
  /** Extra Storage options (tests: apiEndpoint of a local double). */
  storageOptions?: StorageOptions;
}

/** Bounded retries: the library's defaults retry for up to 10 minutes, too long for an unreachable endpoint. */
const RETRY = { autoRetry: true, maxRetries: 2, totalTimeout: 60 };

export async function uploadGcsReports(files: readonly ReportFile[], target: GcsStorageTarget, deps: GcsDeps = {}): Promise<UploadOutcome> {
  // Loaded here, not at the top: the SDK costs every other command of the CLI its start-up time.
  const { Storage } = await import("@google-cloud/storage");
  const storage = new Storage({ retryOptions: RETRY, ...deps.storageOptions });
  const bucket = storage.bucket(target.bucketName);
  let exists: boolean;
  try {
    [exists] = await bucket.exists();
  } catch (err) {
    throw new EnvironmentError(`could not reach GCS bucket ${target.bucketName}: ${describeGcsError(err)}`, hintFor(describeGcsError(err), target), { cause: err });
  }
  if (!exists) {
    throw new EnvironmentError(
      `GCS bucket ${target.bucketName} does not exist or is not accessible; no report was uploaded to it`,
      `create the bucket (gcloud storage buckets create gs://${target.bucketName}) or fix storage.google_cloud_storage.bucket_name`,
    );
  }

  const outcome: UploadOutcome = { uploaded: [], skipped: [] };
  const failures: string[] = [];
  for (const file of files) {
    const key = objectKey(target.path, target.reportFilePrefix, reportFileName(file));
    const uri = `gs://${target.bucketName}/${key}`;
    const object = bucket.file(key);
    try {
      const [present] = await object.exists();
      if (present) {
        outcome.skipped.push(uri);
        continue;
      }
      await object.save(serializeReportFile(file, "compact"), { contentType: contentType(file), resumable: false });
      outcome.uploaded.push(uri);
    } catch (err) {
      failures.push(`${uri}: ${describeGcsError(err)}`);
    }
  }
  if (failures.length > 0) {
    const first = failures[0] as string;
    throw new EnvironmentError(`could not upload ${failures.length} of ${files.length} report files to GCS bucket ${target.bucketName}: ${first}`, hintFor(first, target));
  }
  return outcome;
}

function describeGcsError(err: unknown): string {
  const e = err as { code?: number | string; message?: string };
  return `${e.code !== undefined ? `${e.code} ` : ""}${(e.message ?? String(err)).split("\n")[0]}`;
}

function hintFor(detail: string, target: GcsStorageTarget): string {
  if (/\b(401|403)\b|credential|permission|unauthori[sz]ed|forbidden/i.test(detail)) {
    return `give the credentials in use (GOOGLE_APPLICATION_CREDENTIALS or the workload identity) roles/storage.objectCreator and objectViewer on gs://${target.bucketName}`;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket|getaddrinfo/i.test(detail)) return "check network access to storage.googleapis.com (or STORAGE_EMULATOR_HOST)";
  return "the local report files were written; fix storage.google_cloud_storage and upload them again (existing objects are skipped)";
}
