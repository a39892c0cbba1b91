/**
 * One load process of the sharded rate benchmark (shard-rate-bench.ts): shard i of N of one open-loop stage,
 * sent by the product's own pieces — src/shard/split-stages.ts cuts the shard's share out of the unsharded stage
 * (rate ≈ R/N with its own seeded arrivals, requests interleaved with stride N), src/load/run-load.ts and the one
 * dispatcher send it with the native stream client, and a mergeable Samples keeps each request's schedule delay
 * (send − scheduled). With N = 1 it is the unsharded run, through the same code.
 *
 * Protocol: the spec comes as argv[2] (JSON). After an unmeasured closed-loop warm-up (connections open, JIT
 * warm) the cell prints `READY_MARKER`, reads one line from stdin: the shared start time (epoch ms), waits for it
 * (shard-spec.ts waitUntil), runs the stage, and prints `RESULT_MARKER` + its CellResult as one JSON line.
 */
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createStreamClient, type PreparedRequest } from "../src/engine/openai-stream-client.ts";
import { runLoad } from "../src/load/run-load.ts";
import { Samples, type SamplesJson } from "../src/metrics/samples.ts";
import type { RequestSource, StagePlan } from "../src/scenarios/types.ts";
import { waitUntil, type ShardSpec } from "../src/shard/shard-spec.ts";
import { shardRequestSource, shardStages } from "../src/shard/split-stages.ts";

export const READY_MARKER = "SHARD_CELL_READY";
export const RESULT_MARKER = "SHARD_CELL_RESULT ";

export interface CellSpec {
  baseUrl: string;
  model: string;
  outputTokens: number;
  shard: ShardSpec;
  /** The unsharded stage; the cell sends its shard's share of it. */
  plan: Extract<StagePlan, { kind: "constant" | "poisson" }>;
  /** load.base_seed of the unsharded plan. */
  seed: number;
  warmupRequests: number;
  /** The dispatcher's in-flight cap per process, and the client's sockets; 0 = unbounded. */
  maxInFlight: number;
  requestTimeoutMs: number;
  /** Cuts the stage (status timed_out, in-flight requests cancelled) when it runs longer. */
  stageTimeoutS: number;
}

export interface CellResult {
  shard: ShardSpec;
  /** The shard's own stage (rate ≈ R/N). */
  shardRateRps: number;
  planned: number;
  sent: number;
  completed: number;
  failed: number;
  unsent: number;
  errors: Record<string, number>;
  /** The first message of each error reason. */
  errorExamples: Record<string, string>;
  /** The stage's status: completed, or timed_out when stageTimeoutS cut it. */
  status: string;
  /** The shared start the cell was given, and when its stage actually began (epoch ms). */
  startAtEpochMs: number;
  originEpochMs: number;
  /** First and last send, last response end (epoch ms; sub-ms: monotonic clock + one offset taken per process). */
  firstSendEpochMs: number;
  lastSendEpochMs: number;
  lastEndEpochMs: number;
  /** Most requests in flight at once. */
  peakInFlight: number;
  /** send − scheduled, ms, one value per sent request. */
  scheduleDelayMs: SamplesJson;
  /** process.cpuUsage() over the stage (dispatch to last response), and the stage's wall time. */
  cpuUserMs: number;
  cpuSystemMs: number;
  wallMs: number;
}

/** 16 token ids → `outputTokens` streamed tokens (rate-bench.ts's request), one body per request index. */
function tokenIdSource(model: string, outputTokens: number): RequestSource {
  return {
    request: (i) => ({
      body: JSON.stringify({
        model,
        prompt: Array.from({ length: 16 }, (_, k) => (i + k) % 30_000),
        max_tokens: outputTokens,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      }),
      plannedPromptTokens: 16,
      plannedOutputTokens: outputTokens,
    }),
    describe: () => `16 token ids → ${outputTokens} tokens`,
  };
}

function readStartAt(): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    let got = false;
    lines.once("line", (line) => {
      got = true;
      lines.close();
      const at = Number(line.trim());
      if (Number.isFinite(at)) resolve(at);
      else reject(new Error(`expected the start time (epoch ms) on stdin, got '${line}'`));
    });
    lines.once("close", () => {
      if (!got) reject(new Error("stdin closed before the start time arrived"));
    });
  });
}

async function runCell(spec: CellSpec): Promise<CellResult> {
  const [sharded] = shardStages([spec.plan], spec.seed, spec.shard);
  const base = tokenIdSource(spec.model, spec.outputTokens);
  const source = shardRequestSource(base, [sharded!]);
  const client = createStreamClient({ baseUrl: spec.baseUrl, endpoint: "/v1/completions", headers: {}, connections: spec.maxInFlight || Infinity, timeoutMs: spec.requestTimeoutMs });
  const never = new AbortController().signal;
  let inFlight = 0;
  let peakInFlight = 0;
  const send = (req: PreparedRequest, signal: AbortSignal) => {
    if (++inFlight > peakInFlight) peakInFlight = inFlight;
    return client.send(req, signal).finally(() => inFlight--);
  };
  try {
    // Warm-up: unmeasured, closed loop at 4, on request indices far past the stage's.
    await runLoad({
      stages: [{ kind: "concurrent", concurrency: 4, numRequests: spec.warmupRequests }],
      source: base,
      firstRequest: 1_000_000_000,
      clientFor: () => client,
      seed: spec.seed,
      stop: never,
      abort: never,
      keepRecords: false,
    });

    process.stdout.write(`${READY_MARKER}\n`);
    const startAtEpochMs = await readStartAt();
    const epochOffsetMs = Date.now() - performance.now();
    await waitUntil(startAtEpochMs, never);

    const delays = new Samples();
    const errors: Record<string, number> = {};
    const errorExamples: Record<string, string> = {};
    let completed = 0;
    let failed = 0;
    let firstSendMs = Infinity;
    let lastSendMs = -Infinity;
    let lastEndMs = -Infinity;
    let cpuAt = process.cpuUsage();
    let originMs = performance.now();
    const { runs } = await runLoad({
      stages: [sharded!.plan],
      source,
      clientFor: () => ({ send, close: () => client.close() }),
      seed: spec.seed,
      stageSeed: () => sharded!.arrivalSeed,
      stop: never,
      abort: never,
      keepRecords: false,
      maxInFlight: spec.maxInFlight || Infinity,
      stageTimeoutS: spec.stageTimeoutS,
      epochOffsetMs,
      onStageStart: () => {
        cpuAt = process.cpuUsage();
        originMs = performance.now();
      },
      onRecord: (rec) => {
        delays.add(rec.sendMs - rec.scheduledMs);
        if (rec.sendMs < firstSendMs) firstSendMs = rec.sendMs;
        if (rec.sendMs > lastSendMs) lastSendMs = rec.sendMs;
        if (rec.endMs > lastEndMs) lastEndMs = rec.endMs;
        if (rec.error) {
          failed++;
          errors[rec.error.reason] = (errors[rec.error.reason] ?? 0) + 1;
          errorExamples[rec.error.reason] ??= rec.error.message;
        } else completed++;
      },
    });
    const cpu = process.cpuUsage(cpuAt);
    const wallMs = performance.now() - originMs;
    const run = runs[0]!;
    return {
      shard: spec.shard,
      shardRateRps: sharded!.plan.kind === "concurrent" ? 0 : sharded!.plan.rate,
      planned: sharded!.requests.count,
      sent: completed + failed,
      completed,
      failed,
      unsent: run.unsent,
      errors,
      errorExamples,
      status: run.status,
      startAtEpochMs,
      originEpochMs: originMs + epochOffsetMs,
      firstSendEpochMs: firstSendMs + epochOffsetMs,
      lastSendEpochMs: lastSendMs + epochOffsetMs,
      lastEndEpochMs: lastEndMs + epochOffsetMs,
      peakInFlight,
      scheduleDelayMs: delays.toJSON(),
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      wallMs,
    };
  } finally {
    await client.close();
  }
}

// Only when run as the cell process (the orchestrator imports this file's types, which tsx erases).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = await runCell(JSON.parse(process.argv[2] ?? "") as CellSpec);
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
  } catch (err) {
    process.stderr.write(`shard cell: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
