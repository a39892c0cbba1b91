/**
 * `storage.local_storage`: every report file at `{path}/{report_file_prefix}{name}.{json|yaml}`, JSON indented
 * by 2, existing files overwritten (kubernetes-sigs/inference-perf inference_perf/client/filestorage/local.py).
 * `{timestamp}` in the path is replaced when the config is read (src/scenarios/config/storage-timestamp.ts).
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EnvironmentError } from "../../errors.ts";
import { reportFileName, serializeReportFile, type ReportFile } from "./report-file.ts";
import { writeFileAtomically } from "../../report/write-file-atomically.ts";

export interface LocalStorageTarget {
  path: string;
  reportFilePrefix: string | null;
}

/** Writes the files and returns their paths, in order. */
export async function writeLocalReports(files: readonly ReportFile[], target: LocalStorageTarget): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = join(target.path, `${target.reportFilePrefix ?? ""}${reportFileName(file)}`);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomically(path, serializeReportFile(file, "indented"));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new EnvironmentError(
        `could not write the report ${path}: ${code}`,
        "set storage.local_storage.path to a writable directory (e.g. --set storage.local_storage.path=reports-{timestamp})",
        { cause: err },
      );
    }
    written.push(path);
  }
  return written;
}
