/**
 * Reads a capacity run directory for export: capacity.json, each probe's probe-<n>.json (vLLM's keys) and
 * config.json-like facts from capacity.json itself. A probe whose summary file is missing is a UsageError.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.ts";
import type { CapacityDocument } from "../capacity/capacity-document.ts";
import { probeFileName } from "../capacity/capacity-document.ts";
import type { StepSummary } from "../metrics/summarize-step.ts";
import type { CapacityExportInput } from "./capacity-to-br.ts";

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`${path} is missing: ${what}`, "export a capacity run directory as written (results/<runId>), or re-run it");
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, "restore the file from the run, or re-run it");
  }
}

/** `256 in / 128 out tokens, /v1/completions, ignore_eos true, streamed` → the lengths, when the run used flags. */
function shapeOf(requestShape: string): CapacityExportInput["shape"] {
  const m = /^(\d+) in \/ (\d+) out tokens, .*ignore_eos (true|false)/.exec(requestShape);
  return m ? { inputLen: Number(m[1]), outputLen: Number(m[2]), ignoreEos: m[3] === "true" } : null;
}

export async function readCapacityExport(dir: string): Promise<CapacityExportInput> {
  const document = await readJson<CapacityDocument>(join(dir, "capacity.json"), "the capacity run's answer and probes");
  const probes = [];
  for (const probe of document.probes.filter((p) => !p.partial)) {
    const step = await readJson<StepSummary>(join(dir, probeFileName(probe.index)), `the step summary of probe #${probe.index}`);
    probes.push({ probe, step, peaks: document.serverPeaks?.[String(probe.index)] ?? null });
  }
  return {
    runId: document.runId,
    harnessVersion: document.harnessVersion,
    serving: {
      model: document.target.model,
      serverVersion: document.target.serverVersion,
      simulator: document.target.simulator,
      simulatorProfile: document.target.simulatorProfile,
      accelerator: null,
    },
    document,
    shape: shapeOf(document.runContext.requestShape),
    probes,
  };
}
