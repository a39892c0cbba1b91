/**
 * The one writer of `results/<runId>/`. Every file is written atomically (temp file + rename), so a crash or
 * Ctrl-C never leaves a half-written JSON. Layout:
 *   config.json        the effective configuration (secrets redacted)
 *   plan.json          the sweep plan
 *   target.json        what was learned about the target (model, version, tokenizer source)
 *   step-c<N>.json     per-step results with vLLM's key names (+ kneepoint's window and error keys)
 *   samples-c<N>.jsonl raw request records, one per line, so any report can be rebuilt (`kneepoint report DIR`);
 *                      streamed as requests end, never held in memory
 *   state-c<N>.json    the step's mergeable summary state (src/metrics/step-state.ts), what `kneepoint merge` reads
 *   summary.json       status (complete | partial), steps, warnings
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { writeFileAtomically } from "./write-file-atomically.ts";
import { join } from "node:path";
import type { RequestRecord } from "../engine/request-record.ts";

export interface ResultsWriter {
  readonly dir: string;
  writeJson(name: string, value: unknown): Promise<void>;
  writeRecords(name: string, records: RequestRecord[]): Promise<void>;
  /** A JSONL file written one record at a time as requests end (what is written survives a crash). */
  openRecords(name: string): RecordStream;
}

export interface RecordStream {
  write(record: RequestRecord): void;
  /** Flushes and closes; rejects when a write failed (disk full), naming the file. */
  close(): Promise<void>;
}

/** A sortable, unique-enough run id: UTC time plus 4 random hex digits (e.g. 20261123-201502-a3f9). */
export function newRunId(nowMs: number, rand: number): string {
  const iso = new Date(nowMs).toISOString();
  const stamp = iso.slice(0, 10).replace(/-/g, "") + "-" + iso.slice(11, 19).replace(/:/g, "");
  return `${stamp}-${Math.floor(rand * 0x10000).toString(16).padStart(4, "0")}`;
}

export async function createResultsWriter(outDir: string, runId: string): Promise<ResultsWriter> {
  const dir = join(outDir, runId);
  await mkdir(dir, { recursive: true });
  return {
    dir,
    writeJson: (name, value) => writeFileAtomically(join(dir, name), JSON.stringify(value, null, 2) + "\n"),
    openRecords: (name) => openRecordStream(join(dir, name)),
    writeRecords: (name, records) => writeFileAtomically(join(dir, name), records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "")),
  };
}

export function stepFileName(concurrency: number, kind: "step" | "samples" | "state"): string {
  if (kind === "state") return `state-c${concurrency}.json`;
  return kind === "step" ? `step-c${concurrency}.json` : `samples-c${concurrency}.jsonl`;
}

function openRecordStream(path: string): RecordStream {
  const out = createWriteStream(path, { flags: "w" });
  let failure: Error | null = null;
  out.on("error", (err) => {
    failure ??= err;
  });
  return {
    write(record) {
      if (failure === null) out.write(JSON.stringify(record) + "\n");
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        const done = () => (failure ? reject(new Error(`writing ${path} failed: ${failure.message}`)) : resolve());
        if (failure) return done();
        out.end(done);
      }),
  };
}
