/**
 * The sessions of a `data.weka_trace_replay` corpus, as inference-perf 0.7.0 builds them
 * (`_build_sessions_from_traces`, `_build_session_for_trace`, `initialize_sessions`): each trace's calls
 * (weka-token-calls.ts) decoded to text with the tokenizer, then the same replay graph as OTel traces
 * (otel-replay-graph.ts: 0.7.0's Weka predecessor finder is its generic one made fast, with the same result);
 * session `wekatrace<i>_<trace id>` (i = the trace's position), the sessions shuffled by Python's
 * `random.seed(base_seed); random.shuffle`, then duplicated round-robin up to duplicate_sessions_target.
 * A trace with no calls is left out, as there.
 */
import { UsageError } from "../../errors.ts";
import type { WekaTraceReplayConfig } from "../config/weka-replay-schema.ts";
import type { RawCall } from "./otel-raw-calls.ts";
import { buildReplayGraph } from "./otel-replay-graph.ts";
import type { ReplayCorpus } from "./otel-trace-sessions.ts";
import { pythonRandom, pythonShuffle } from "./python-random.ts";
import type { ReplayGraph } from "./replay-graph.ts";
import { wekaBlockTokens } from "./weka-block-tokens.ts";
import { WEKA_BLOCK } from "./weka-trace-files.ts";
import type { WekaTrace } from "./weka-trace-format.ts";
import { wekaTokenCalls } from "./weka-token-calls.ts";

export interface WekaCorpusInput {
  config: WekaTraceReplayConfig;
  traces: readonly WekaTrace[];
  baseSeed: number;
  /** The corpus' token ids, special tokens included (weka-block-tokens.ts). */
  corpusIds: readonly number[];
  decode(ids: number[]): Promise<string>;
  warnings: string[];
}

function modelMap(c: WekaTraceReplayConfig, trace: WekaTrace): Record<string, string> {
  if (c.use_static_model) return Object.fromEntries(trace.models.map((m) => [m, c.static_model_name]));
  return c.model_mapping ?? {};
}

async function graphOf(trace: WekaTrace, w: WekaCorpusInput, decodeMemo: Map<string, Promise<string>>): Promise<ReplayGraph | null> {
  const calls = wekaTokenCalls(trace, (bs) => wekaBlockTokens(w.corpusIds, w.baseSeed, trace.id, bs), {
    defaultBlockSize: w.config.default_block_size,
    idleGapCapS: w.config.trace_idle_gap_cap_seconds,
    modelMap: modelMap(w.config, trace),
  });
  if (calls.length === 0) return null;
  const text = (ids: number[]) => {
    const key = ids.join(",");
    let t = decodeMemo.get(key);
    // transformers decodes no ids to ""; @huggingface/tokenizers refuses them
    if (t === undefined) decodeMemo.set(key, (t = ids.length ? w.decode(ids) : Promise.resolve("")));
    return t;
  };
  const raw: RawCall[] = await Promise.all(
    calls.map(async (c) => ({
      callId: c.callId,
      tStartMs: c.tStartMs,
      tEndMs: c.tEndMs,
      model: c.model,
      messages: await Promise.all(c.messages.map(async (m) => ({ role: m.role, content: await text(m.tokens) }))),
      outText: await text(c.outTokens),
      promptTokens: c.promptTokens,
      completionTokens: c.completionTokens,
      attributes: {},
    })),
  );
  return buildReplayGraph(raw, `weka_trace_${trace.id}`);
}

/** Hex string from the seeded generator: 0.7.0 draws uuid4().hex[:16]; kneepoint keeps runs reproducible. */
function randomHex(rng: ReturnType<typeof pythonRandom>): string {
  return [rng.getrandbits32(), rng.getrandbits32()].map((n) => n.toString(16).padStart(8, "0")).join("");
}

export async function buildWekaCorpus(w: WekaCorpusInput): Promise<ReplayCorpus> {
  const memo = new Map<string, Promise<string>>();
  const built: { id: string; sourceId: string; graph: ReplayGraph }[] = [];
  for (const [i, trace] of w.traces.entries()) {
    let graph: ReplayGraph | null;
    try {
      graph = await graphOf(trace, w, memo);
    } catch (err) {
      if (!w.config.skip_invalid_files) throw new UsageError(`${WEKA_BLOCK}: cannot rebuild trace ${JSON.stringify(trace.id)}: ${(err as Error).message}`, "fix the trace, or set skip_invalid_files: true to leave it out");
      w.warnings.push(`trace ${JSON.stringify(trace.id)} could not be rebuilt (${(err as Error).message}); skipped (skip_invalid_files)`);
      continue;
    }
    if (graph !== null) built.push({ id: `wekatrace${i}_${trace.id}`, sourceId: trace.id, graph });
  }
  pythonShuffle(pythonRandom(w.baseSeed), built);
  const all = built.map((b) => ({ ...b, dup: false }));
  const target = w.config.duplicate_sessions_target;
  for (let k = 1; target !== null && built.length > 0 && all.length < target; k++) {
    const src = built[(k - 1) % built.length]!;
    all.push({ ...src, id: `${src.id}_dup${k}`, dup: true });
  }
  if (all.length === 0) throw new UsageError(`${WEKA_BLOCK}: no trace has a call to replay`, "check the traces (each needs requests), or num_dataset_entries for a Hugging Face dataset");
  const rng = pythonRandom(w.baseSeed + 1);
  const sessions = all.map((s) => ({ sessionId: s.id, sourceId: s.sourceId, graph: s.graph, randomString: w.config.inject_random_session_id || s.dup ? randomHex(rng) : null }));
  const events = sessions.reduce((n, s) => n + s.graph.events.length, 0);
  return { sessions, warnings: w.warnings, describe: `weka_trace_replay: ${w.traces.length} trace(s), ${sessions.length} session(s), ${events} LLM calls` };
}
