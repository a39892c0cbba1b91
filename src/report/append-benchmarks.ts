/**
 * Appends a section to benchmarks.md atomically: under an exclusive lock file (two runs finishing at once are
 * serialized), the whole new file is written to a temp file and renamed over the old one, so a crash never
 * leaves half a section. The section is built from the file's current content (the baseline is read under
 * the same lock), and the header is written when the file is new.
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { EnvironmentError } from "../errors.ts";
import { BENCHMARKS_HEADER } from "./benchmarks-section.ts";
import { parseRecordedRuns, type RecordedRun } from "./recorded-run.ts";
import { writeFileAtomically } from "./write-file-atomically.ts";

const LOCK_STALE_MS = 60_000;
const LOCK_WAIT_MS = 30_000;

async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lockPath, { force: true });
      else if (Date.now() > deadline) {
        throw new EnvironmentError(`${lockPath} has been held for ${Math.round(age / 1000)} s`, "another kneepoint run is recording; if none is, delete the lock file");
      } else await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
}

/**
 * `build` receives the runs already recorded (for the baseline) and returns the section to append.
 * Returns the section that was written.
 */
export async function appendBenchmarksSection(path: string, build: (previous: RecordedRun[]) => string): Promise<string> {
  const release = await acquireLock(`${path}.lock`);
  try {
    const current = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return BENCHMARKS_HEADER;
      throw err;
    });
    const section = build(parseRecordedRuns(current));
    const next = (current.endsWith("\n") ? current : current + "\n") + "\n" + section;
    await writeFileAtomically(path, next);
    return section;
  } finally {
    await release();
  }
}
