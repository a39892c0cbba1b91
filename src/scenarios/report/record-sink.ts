/**
 * Where a scenario run's records go as they complete, so the run holds none of them: each reported request is
 * counted by the run's tokenizer (when exact), folded into its stage's mergeable state (stage-state.ts) and, when
 * the config asks for per-request reports, appended to the streamed per-request files (per-request-writer.ts);
 * then it is forgotten. Records are folded one after another in completion order (the per-request files' order).
 *
 *   const sink = await openRecordSink({ report, perRequestTarget, epochOffsetMs, encode, retokenizeChunks });
 *   onRecord:    sink.add(rec)                 // synchronous; the fold runs behind it
 *   onStageEnd:  await sink.settled()          // every record of the stage folded
 *   after:       const { states, streamedPerRequest } = await sink.finish();   (or sink.abort() on failure)
 */
import { mkdir } from "node:fs/promises";
import type { ScenarioRecord } from "../types.ts";
import { foldContextOf } from "./build-lifecycle-report.ts";
import { reportStageStateOptions } from "./build-lifecycle-files.ts";
import { openPerRequestFiles, type JsonFileStyle, type PerRequestFiles, type StreamedPerRequest } from "./per-request-writer.ts";
import { createRecordTokenCounter } from "./response-token-counts.ts";
import type { ScenarioReportOptions } from "./scenario-report-options.ts";
import { addScenarioRecord, createStageState, type StageState } from "./stage-state.ts";

export interface RecordSinkOptions {
  /** The run's report options, without countTokens (the sink provides it when `encode` is given). */
  report: ScenarioReportOptions;
  /** Where the per-request files are streamed, when report.perRequest is on; null: not streamed. */
  perRequestTarget: { dir: string; prefix: string | null; style: JsonFileStyle } | null;
  /** epoch ms − monotonic ms of the sending process (the run's), so states line up with other shards'. */
  epochOffsetMs: number;
  /** The run's exact tokenizer (inference-perf counts output tokens with it); undefined: chunks are counted. */
  encode?: (text: string) => Promise<number[]>;
  /** The config has a tokenizer block: inference-perf then re-tokenizes each chunk. */
  retokenizeChunks: boolean;
}

export interface RecordSink {
  /** The report options every state was folded with (countTokens included): what the reports are built with. */
  readonly report: ScenarioReportOptions;
  add(rec: ScenarioRecord): void;
  /** Resolves when every record added so far is folded; rejects with the first fold failure. */
  settled(): Promise<void>;
  /** Stage `index`'s state (an empty one for a stage that sent nothing). */
  state(index: number): StageState;
  /** The states by stage index, and the streamed per-request files (closed). */
  finish(): Promise<{ states: Map<number, StageState>; streamedPerRequest: StreamedPerRequest | undefined }>;
  /** Stops: the per-request files are removed (a failed run leaves no half file). */
  abort(): Promise<void>;
}

export async function openRecordSink(o: RecordSinkOptions): Promise<RecordSink> {
  const counter = o.encode ? createRecordTokenCounter(o.encode, o.retokenizeChunks) : null;
  const report: ScenarioReportOptions = counter ? { ...o.report, countTokens: counter.countTokens, ...(o.retokenizeChunks ? { retokenizeChunks: true } : {}) } : o.report;
  const options = reportStageStateOptions(report, true);
  const ctx = { ...foldContextOf(report), epochOffsetMs: o.epochOffsetMs };
  // Opened with the first reported record: a run refused before it sends anything leaves no report directory.
  const target = report.perRequest ? o.perRequestTarget : null;
  let perRequest: PerRequestFiles | null = null;
  const perRequestFiles = async (): Promise<PerRequestFiles | null> => {
    if (target === null) return null;
    if (perRequest === null) {
      await mkdir(target.dir, { recursive: true });
      perRequest = await openPerRequestFiles(target, report);
    }
    return perRequest;
  };
  const states = new Map<number, StageState>();
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown = null;

  const fold = async (rec: ScenarioRecord): Promise<void> => {
    if (failure !== null) return;
    try {
      await counter?.prepare(rec);
      let state = states.get(rec.stage);
      if (!state) states.set(rec.stage, (state = createStageState(options)));
      addScenarioRecord(state, rec, ctx);
      await (await perRequestFiles())?.append(rec);
      counter?.release(rec);
    } catch (err) {
      failure ??= err;
    }
  };
  const settled = async (): Promise<void> => {
    await chain;
    if (failure !== null) throw failure;
  };
  return {
    report,
    add(rec) {
      if (rec.stage < 0) return; // a sweep probe's rung: not reported
      chain = chain.then(() => fold(rec));
    },
    settled,
    state(index) {
      let state = states.get(index);
      if (!state) states.set(index, (state = createStageState(options)));
      return state;
    },
    async finish() {
      try {
        await settled();
      } catch (err) {
        await perRequest?.abort();
        throw err;
      }
      // A run that reported no request still gets its (empty) per-request files, as inference-perf writes them.
      return { states, streamedPerRequest: await (await perRequestFiles())?.close() };
    },
    async abort() {
      await chain;
      await perRequest?.abort();
    },
  };
}
