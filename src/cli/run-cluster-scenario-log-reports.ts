/**
 * `kneepoint run --log-reports` (the scenario Job's side, src/k8s/scenario-job-script.ts): once the local reports are
 * written, every file of the report directory is printed to stdout as a block (src/k8s/scenario-job-log.ts), the
 * charts' inputs with them (the runner renders the charts from exactly these files). A file is printed with one
 * write per line, so the container runtime never cuts a line in two.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { reportBlockLines } from "../k8s/scenario-job-log.ts";

/** The files under `dir`, as paths relative to it with `/`, in a stable order. */
async function reportFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

export async function logReportFiles(dir: string, write: (line: string) => void): Promise<number> {
  const files = await reportFiles(dir);
  for (const path of files) {
    const bytes = await readFile(join(dir, path));
    for (const line of reportBlockLines({ path, bytes })) write(line + "\n");
  }
  return files.length;
}
