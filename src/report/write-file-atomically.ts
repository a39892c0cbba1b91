/**
 * The one way kneepoint writes a report file: to a temp file beside it, then renamed over it, so a crash or
 * Ctrl-C never leaves half a JSON, markdown or PNG behind. The temp name is unique within the process (several
 * files may be written at once) and removed when the write fails.
 */
import { rename, rm, writeFile } from "node:fs/promises";

let counter = 0;

export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${counter++}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
