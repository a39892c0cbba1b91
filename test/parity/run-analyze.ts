/**
 * inference-perf's own `--analyze` (0.7.0: `--analyze DIR…`; 0.2.0: `-a DIR`) over copies of report directories:
 * which PNGs it wrote into each, and the log lines where it skipped or failed on a file (it logs and goes on, exit
 * code 0, so the exit code alone says nothing).
 */
import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { INFERENCE_PERF_NEWEST, INFERENCE_PERF_OLDEST } from "../real-peers/pins.ts";
import { peerBin } from "../real-peers/peers.ts";
import { runChild, type ChildRun } from "./run-child.ts";

export interface AnalyzeResult {
  run: ChildRun;
  /** Per analyzed copy (in the order given): the PNGs analyze added. */
  pngs: string[][];
  /** Log lines at WARNING or ERROR level, or naming a skipped file. */
  complaints: string[];
}

const listPngs = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".png"));

export async function runAnalyze(release: "0.7.0" | "0.2.0", reportDirs: string[], env: NodeJS.ProcessEnv): Promise<AnalyzeResult> {
  const work = mkdtempSync(join(tmpdir(), `kp-parity-analyze-${release}-`));
  const copies = reportDirs.map((dir, i) => {
    const copy = join(work, `${i}-${basename(dir)}`);
    cpSync(dir, copy, { recursive: true });
    return copy;
  });
  const before = copies.map((c) => new Set(listPngs(c)));
  const bin = peerBin(release === "0.7.0" ? INFERENCE_PERF_NEWEST : INFERENCE_PERF_OLDEST, "inference-perf");
  if (release === "0.2.0" && copies.length !== 1) throw new Error("inference-perf 0.2.0's -a takes one directory");
  const args = release === "0.7.0" ? ["--analyze", ...copies] : ["-a", copies[0]!];
  const run = await runChild(bin, args, { cwd: work, env, timeoutMs: 60_000 });
  const pngs = copies.map((c, i) => listPngs(c).filter((n) => !before[i]!.has(n)).sort());
  const complaints = (run.stdout + run.stderr).split("\n").filter((l) => /\b(WARNING|ERROR|CRITICAL)\b|Skipping|Traceback|Error/.test(l));
  return { run, pngs, complaints };
}
