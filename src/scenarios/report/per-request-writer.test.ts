/**
 * The streamed per-request files are byte for byte the whole-file serialization of the same entries (local files
 * indented, bucket objects compact), empty runs included; nothing is left under the report's name before close.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scenarioRecord } from "../../../test/scenarios-report/scenario-record.ts";
import { serializeReportFile } from "../storage/report-file.ts";
import type { StageRun } from "../types.ts";
import { buildLifecycleFiles, KNEEPOINT_PER_REQUEST_FILE } from "./build-lifecycle-files.ts";
import { openJsonArrayFile, openPerRequestFiles } from "./per-request-writer.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";

const ok = (sendMs: number) =>
  scenarioRecord({
    index: sendMs,
    scheduledMs: sendMs - 1,
    sendMs,
    chunkTimesMs: [sendMs + 100, sendMs + 120],
    endMs: sendMs + 130,
    promptTokens: 4,
    completionTokens: 2,
    capture: { body: 'data: {"x": "é\\n"}\n\n', contentTimesMs: [sendMs + 100, sendMs + 120], contentTexts: ["a", "b\n"], contentChunks: ["{}", "{}"], usage: { prompt_tokens: 4, completion_tokens: 2 } },
  });
const failed = scenarioRecord({ index: 9, scheduledMs: 900, sendMs: 901, endMs: 950, error: { reason: "http", status: 500, message: "HTTP 500: no" } });
const stage = (records: StageRun["records"]): StageRun => ({ index: 0, plan: { kind: "constant", rate: 1, durationS: 1 }, status: "completed", startMs: 0, endMs: 1, startEpochMs: 0, endEpochMs: 1, records, unsent: 0 });
const OPTS: ScenarioReportOptions = {
  summary: true, perStage: true, perRequest: true, percentiles: [50], useServerOutputTokens: false, maxErrorMessages: 10, goodput: null,
  requestBody: (r) => `{"prompt":"p${r.index}"}`, loraAdapter: () => "lora-a",
};

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function streamed(records: StageRun["records"], style: "indented" | "compact") {
  const dir = await mkdtemp(join(tmpdir(), "kp-per-request-"));
  dirs.push(dir);
  const files = await openPerRequestFiles({ dir, prefix: "run-", style }, OPTS);
  for (const r of records) await files.append(r);
  expect((await readdir(dir)).filter((n) => n.endsWith(".json"))).toEqual([]);
  const closed = await files.close();
  const read = (name: string) => readFile(join(dir, `run-${name}.json`), "utf8");
  return { closed, ip: await read("per_request_lifecycle_metrics"), kp: await read(KNEEPOINT_PER_REQUEST_FILE), dir };
}

describe("openPerRequestFiles", () => {
  for (const style of ["indented", "compact"] as const) {
    for (const [what, records] of [["three requests", [ok(100), failed, ok(2000)]], ["no request", []]] as const) {
      it(`${style}, ${what}: the bytes of the whole-file serialization`, async () => {
        const whole = buildLifecycleFiles([stage([...records])], OPTS);
        const expected = (name: string) => serializeReportFile(whole.find((f) => f.name === name)!, style);
        const out = await streamed([...records], style);
        expect(out.ip).toBe(expected("per_request_lifecycle_metrics"));
        expect(out.kp).toBe(expected(KNEEPOINT_PER_REQUEST_FILE));
        expect(out.closed.digest.count).toBe(records.length);
        expect((await readdir(out.dir)).sort()).toEqual([`run-${KNEEPOINT_PER_REQUEST_FILE}.json`, "run-per_request_lifecycle_metrics.json"]);
      });
    }
  }
});

describe("openJsonArrayFile", () => {
  it("waits out a full buffer without leaving a listener behind: no MaxListenersExceededWarning over 200 large entries", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kp-json-array-"));
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const file = await openJsonArrayFile(join(dir, "big.json"), { style: "compact" });
      const entry = { text: "x".repeat(20_000) }; // larger than the stream's 16 KiB buffer: every write waits for drain
      for (let i = 0; i < 200; i++) await file.append(entry);
      expect(await file.close()).toBe(200);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings).not.toContain("MaxListenersExceededWarning");
      expect((JSON.parse(await readFile(join(dir, "big.json"), "utf8")) as unknown[]).length).toBe(200);
    } finally {
      process.off("warning", onWarning);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
