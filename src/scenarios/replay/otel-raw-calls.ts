/**
 * The LLM calls of one OTel trace, as inference-perf 0.7.0 extracts them (datagen/replay/otel_trace_to_replay_graph.py
 * `filter_duplicate_spans`, `is_llm_span`, `extract_messages`, `extract_output_message`, `build_raw_calls`).
 * Messages are read as 0.7.0 reads them, tool calls and tool results included (otel-trace-messages.ts).
 */
import { pyRound } from "./py-round.ts";
import { outputMessageOf, traceMessagesOf, type TraceMessage } from "./otel-trace-messages.ts";

export interface OtelSpan {
  span_id?: string;
  trace_id?: string;
  parent_span_id?: string | null;
  name?: string;
  start_time: string;
  end_time?: string;
  attributes?: Record<string, unknown>;
  status?: { code?: number };
}

export interface RawCall {
  callId: string;
  tStartMs: number;
  tEndMs: number;
  model: string;
  messages: TraceMessage[];
  /** The recorded output's text (tool calls flattened); null when the span recorded none. */
  outText: string | null;
  /** The recorded output message's structure when it was gen_ai.output.messages (parts, parts_text). */
  outInfo?: Record<string, unknown> | null;
  /** gen_ai.tool.definitions as recorded (null when absent or not JSON). */
  toolDefinitions?: Array<Record<string, unknown>> | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Attributes other than the message ones (user-facing tagging, attribute_to_header_map). */
  attributes: Record<string, unknown>;
}

/** ISO-8601 → epoch seconds with microseconds kept (Python datetime.fromisoformat; no zone = UTC). */
export function parseIsoSeconds(ts: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(ts.trim());
  if (!m) throw new Error(`not an ISO-8601 time: ${JSON.stringify(ts)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let secs = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000;
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    secs -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  return secs + (frac ? Number(`0.${frac.slice(0, 6)}`) : 0);
}

/** Sorted-key JSON: two attribute maps are the same span when this is equal (0.7.0 json.dumps(sort_keys=True)). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Spans with the same start, end and attributes are one (exgentic traces repeat them); the first by span_id kept. */
export function uniqueSpans(spans: readonly OtelSpan[]): OtelSpan[] {
  const seen = new Set<string>();
  const out: OtelSpan[] = [];
  const sorted = [...spans].sort((a, b) => cmp(a.span_id ?? "", b.span_id ?? ""));
  for (const s of sorted) {
    const sig = `${s.start_time ?? ""}|${s.end_time ?? ""}|${canonicalJson(s.attributes ?? {})}`;
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(s);
  }
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const truthy = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === "string" ? v.length > 0 : Boolean(v));

export function isLlmSpan(span: OtelSpan, includeErrors: boolean): boolean {
  const attrs = span.attributes ?? {};
  const isLlm = (attrs["gen_ai.operation.name"] === "chat" || (span.name ?? "").startsWith("chat ")) && truthy(attrs["gen_ai.input.messages"]);
  if (!isLlm) return false;
  return includeErrors || (span.status?.code ?? 0) !== 2;
}

function spanMessages(span: OtelSpan): TraceMessage[] {
  let raw = span.attributes?.["gen_ai.input.messages"];
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new Error(`span ${span.span_id}: gen_ai.input.messages is not JSON`);
    }
  }
  return traceMessagesOf(raw, `span ${span.span_id}`);
}

/** gen_ai.tool.definitions: a JSON string or a list (0.7.0 ignores one that is not JSON). */
function toolDefinitionsOf(v: unknown): Array<Record<string, unknown>> | null {
  if (typeof v === "string") {
    try {
      return JSON.parse(v) as Array<Record<string, unknown>>;
    } catch {
      return null;
    }
  }
  return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : null;
}

const intOrNull = (v: unknown) => (v === undefined || v === null ? null : Math.trunc(Number(v)));
const MESSAGE_KEYS = new Set(["gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.definitions", "gen_ai.output.text", "gen_ai.completion", "gen_ai.output"]);

/** The trace's LLM calls in start order, times in ms from the earliest call's start. */
export function rawCallsOf(spans: readonly OtelSpan[], includeErrors: boolean): RawCall[] {
  const llm = uniqueSpans(spans).filter((s) => isLlmSpan(s, includeErrors));
  if (llm.length === 0) return [];
  const start = new Map(llm.map((s) => [s, parseIsoSeconds(s.start_time)]));
  const t0 = Math.min(...start.values());
  llm.sort((a, b) => start.get(a)! - start.get(b)! || cmp(a.span_id ?? "", b.span_id ?? ""));
  return llm.map((s) => {
    const attrs = s.attributes ?? {};
    const out = outputMessageOf(attrs, `span ${s.span_id}`);
    const tStart = pyRound((start.get(s)! - t0) * 1000);
    return {
      callId: s.span_id ?? "",
      tStartMs: tStart,
      tEndMs: s.end_time ? pyRound((parseIsoSeconds(s.end_time) - t0) * 1000) : tStart,
      model: String(attrs["gen_ai.request.model"] ?? ""),
      messages: spanMessages(s),
      outText: out?.content ?? null,
      outInfo: out?.info ?? null,
      toolDefinitions: toolDefinitionsOf(attrs["gen_ai.tool.definitions"]),
      promptTokens: intOrNull(attrs["gen_ai.usage.prompt_tokens"] ?? attrs["gen_ai.usage.input_tokens"]),
      completionTokens: intOrNull(attrs["gen_ai.usage.completion_tokens"] ?? attrs["gen_ai.usage.output_tokens"]),
      attributes: Object.fromEntries(Object.entries(attrs).filter(([k]) => !MESSAGE_KEYS.has(k))),
    };
  });
}
