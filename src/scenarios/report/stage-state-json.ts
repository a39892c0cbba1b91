/**
 * A StageState (stage-state.ts) as JSON, so a shard writes its stages' states and `kneepoint merge` reads them
 * back: plain numbers (an empty state's ±Infinity window as null), each Samples as its own JSON
 * (src/metrics/samples.ts), error labels and adapters in their first-seen order. Reading validates every field
 * (zod, then Samples.fromJSON) and names the place: `<where>: core.successes.ttftS: …`. Pure.
 */
import { z } from "zod";
import { Samples } from "../../metrics/samples.ts";
import type { LifecycleState, TokenUsageState } from "./lifecycle-state.ts";
import type { StageState } from "./stage-state.ts";
import { goodputKeys } from "./goodput-metrics.ts";
import { mediaStateFromJson, mediaStateJsonSchema, mediaStateToJson } from "./media-state.ts";

export const STAGE_STATE_JSON_KIND = "kneepoint-stage-state";
export const STAGE_STATE_JSON_VERSION = 1;

const count = z.number().int().nonnegative();
const finite = z.number().finite();
/** ±Infinity (an empty window) is written null. */
const bound = finite.nullable();

const tokenUsageSchema = z.strictObject({ total: finite, cached: finite, perRequest: z.unknown() });

const lifecycleSchema = z.strictObject({
  count,
  minSendEpochMs: bound,
  maxSendEpochMs: bound,
  maxEndEpochMs: bound,
  scheduleDelayS: z.unknown(),
  successes: z.strictObject({
    count,
    minSendEpochMs: bound,
    maxEndEpochMs: bound,
    requestLatencyS: z.unknown(),
    ntpotS: z.unknown(),
    tpotS: z.unknown(),
    ttftS: z.unknown(),
    itlS: z.unknown(),
    requestSizeBytes: z.unknown(),
    effectiveOutputTotal: finite,
    promptTokens: tokenUsageSchema,
    outputLen: z.unknown(),
    outputTokens: z.unknown(),
    outputTokensTotal: finite,
    tokenCountMismatches: count,
    fallbackPrompt: count,
    fallbackOutput: count,
    /** applicable: absent in states written before header SLOs (every success then had every limit). */
    goodput: z.strictObject({ good: count, goodTokens: finite, attained: z.array(count), applicable: z.array(count).optional() }),
    brNtpotS: z.unknown(),
    brOutputLength: z.unknown().nullable(),
    /** Multimodal runs only (media-state.ts). */
    media: mediaStateJsonSchema,
  }),
  failures: z.strictObject({
    count,
    requestLatencyS: z.unknown(),
    promptTokens: tokenUsageSchema,
    labels: z.array(
      z.strictObject({
        label: z.string(),
        count,
        firstSeenMs: finite,
        messages: z.array(z.strictObject({ message: z.string(), firstSeenMs: finite })),
      }),
    ),
  }),
  /** load.request_retries (retry-summary.ts); absent when no request of the state was retried. */
  retries: z.strictObject({ requestsRetried: count, attempts: count, recovered: count, wastedTotalS: finite, wastedS: z.unknown() }).optional(),
});

const goodputConstraintsSchema = z.strictObject({
  ttft: z.number().optional(),
  tpot: z.number().optional(),
  itl: z.number().optional(),
  ntpot: z.number().optional(),
  request_latency: z.number().optional(),
  slo_headers: z.strictObject({ ttft: z.number().optional(), tpot: z.number().optional() }).optional(),
});

const stageStateSchema = z.strictObject({
  kind: z.literal(STAGE_STATE_JSON_KIND),
  version: z.literal(STAGE_STATE_JSON_VERSION),
  options: z.strictObject({
    useServerOutputTokens: z.boolean(),
    streaming: z.boolean(),
    countsTokens: z.boolean(),
    retokenizeChunks: z.boolean(),
    maxErrorMessages: count,
    goodput: goodputConstraintsSchema.nullable(),
    perAdapter: z.boolean(),
    exactCap: count.optional(),
  }),
  core: lifecycleSchema,
  adapters: z.array(z.strictObject({ adapter: z.string(), firstSeenMs: finite, state: lifecycleSchema })),
});

type LifecycleJson = z.infer<typeof lifecycleSchema>;

const orNull = (x: number) => (Number.isFinite(x) ? x : null);

function tokenUsageToJson(u: TokenUsageState) {
  return { total: u.total, cached: u.cached, perRequest: u.perRequest.toJSON() };
}

function lifecycleToJson(s: LifecycleState): LifecycleJson {
  const ok = s.successes;
  const f = s.failures;
  return {
    count: s.count,
    minSendEpochMs: orNull(s.minSendEpochMs),
    maxSendEpochMs: orNull(s.maxSendEpochMs),
    maxEndEpochMs: orNull(s.maxEndEpochMs),
    scheduleDelayS: s.scheduleDelayS.toJSON(),
    successes: {
      count: ok.count,
      minSendEpochMs: orNull(ok.minSendEpochMs),
      maxEndEpochMs: orNull(ok.maxEndEpochMs),
      requestLatencyS: ok.requestLatencyS.toJSON(),
      ntpotS: ok.ntpotS.toJSON(),
      tpotS: ok.tpotS.toJSON(),
      ttftS: ok.ttftS.toJSON(),
      itlS: ok.itlS.toJSON(),
      requestSizeBytes: ok.requestSizeBytes.toJSON(),
      effectiveOutputTotal: ok.effectiveOutputTotal,
      promptTokens: tokenUsageToJson(ok.promptTokens),
      outputLen: ok.outputLen.toJSON(),
      outputTokens: ok.outputTokens.toJSON(),
      outputTokensTotal: ok.outputTokensTotal,
      tokenCountMismatches: ok.tokenCountMismatches,
      fallbackPrompt: ok.fallbackPrompt,
      fallbackOutput: ok.fallbackOutput,
      goodput: { good: ok.goodput.good, goodTokens: ok.goodput.goodTokens, attained: [...ok.goodput.attained], applicable: [...ok.goodput.applicable] },
      brNtpotS: ok.brNtpotS.toJSON(),
      brOutputLength: ok.brOutputLength?.toJSON() ?? null,
      ...(ok.media ? { media: mediaStateToJson(ok.media) } : {}),
    },
    failures: {
      count: f.count,
      requestLatencyS: f.requestLatencyS.toJSON(),
      promptTokens: tokenUsageToJson(f.promptTokens),
      labels: f.labels.map((l) => ({ label: l.label, count: l.count, firstSeenMs: l.firstSeenMs, messages: l.messages.map((m) => ({ ...m })) })),
    },
    ...(s.retries ? { retries: { ...s.retries, wastedS: s.retries.wastedS.toJSON() } } : {}),
  };
}

export function stageStateToJson(s: StageState): z.input<typeof stageStateSchema> {
  return {
    kind: STAGE_STATE_JSON_KIND,
    version: STAGE_STATE_JSON_VERSION,
    options: { ...s.options, goodput: s.options.goodput === null ? null : { ...s.options.goodput } },
    core: lifecycleToJson(s.core),
    adapters: s.adapters.map((a) => ({ adapter: a.adapter, firstSeenMs: a.firstSeenMs, state: lifecycleToJson(a.state) })),
  };
}

function lifecycleFromJson(j: LifecycleJson, where: string): LifecycleState {
  const samples = (v: unknown, field: string) => Samples.fromJSON(v, `${where}.${field}`);
  const low = (x: number | null) => x ?? Infinity;
  const high = (x: number | null) => x ?? -Infinity;
  const ok = j.successes;
  const f = j.failures;
  const usage = (u: LifecycleJson["successes"]["promptTokens"], field: string): TokenUsageState => ({ total: u.total, cached: u.cached, perRequest: samples(u.perRequest, `${field}.perRequest`) });
  return {
    count: j.count,
    minSendEpochMs: low(j.minSendEpochMs),
    maxSendEpochMs: high(j.maxSendEpochMs),
    maxEndEpochMs: high(j.maxEndEpochMs),
    scheduleDelayS: samples(j.scheduleDelayS, "scheduleDelayS"),
    successes: {
      count: ok.count,
      minSendEpochMs: low(ok.minSendEpochMs),
      maxEndEpochMs: high(ok.maxEndEpochMs),
      requestLatencyS: samples(ok.requestLatencyS, "successes.requestLatencyS"),
      ntpotS: samples(ok.ntpotS, "successes.ntpotS"),
      tpotS: samples(ok.tpotS, "successes.tpotS"),
      ttftS: samples(ok.ttftS, "successes.ttftS"),
      itlS: samples(ok.itlS, "successes.itlS"),
      requestSizeBytes: samples(ok.requestSizeBytes, "successes.requestSizeBytes"),
      effectiveOutputTotal: ok.effectiveOutputTotal,
      promptTokens: usage(ok.promptTokens, "successes.promptTokens"),
      outputLen: samples(ok.outputLen, "successes.outputLen"),
      outputTokens: samples(ok.outputTokens, "successes.outputTokens"),
      outputTokensTotal: ok.outputTokensTotal,
      tokenCountMismatches: ok.tokenCountMismatches,
      fallbackPrompt: ok.fallbackPrompt,
      fallbackOutput: ok.fallbackOutput,
      goodput: { good: ok.goodput.good, goodTokens: ok.goodput.goodTokens, attained: [...ok.goodput.attained], applicable: ok.goodput.applicable ? [...ok.goodput.applicable] : ok.goodput.attained.map(() => ok.count) },
      brNtpotS: samples(ok.brNtpotS, "successes.brNtpotS"),
      brOutputLength: ok.brOutputLength === null ? null : samples(ok.brOutputLength, "successes.brOutputLength"),
      ...(ok.media ? { media: mediaStateFromJson(ok.media, `${where}.successes.media`)! } : {}),
    },
    failures: {
      count: f.count,
      requestLatencyS: samples(f.requestLatencyS, "failures.requestLatencyS"),
      promptTokens: usage(f.promptTokens, "failures.promptTokens"),
      labels: f.labels.map((l) => ({ ...l, messages: l.messages.map((m) => ({ ...m })) })),
    },
    ...(j.retries ? { retries: { ...j.retries, wastedS: samples(j.retries.wastedS, "retries.wastedS") } } : {}),
  };
}

/** Reads stageStateToJson's document; a bad one throws an Error naming `where` and the field. */
export function stageStateFromJson(json: unknown, where: string): StageState {
  const parsed = stageStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join(".") : "(document)";
    throw new Error(`${where}: ${path}: ${issue.message} (not a stage state written by this kneepoint version? re-run the shard)`);
  }
  const j = parsed.data;
  const options = { ...j.options, goodput: j.options.goodput === null ? null : { ...j.options.goodput } };
  if (options.exactCap === undefined) delete options.exactCap;
  const core = lifecycleFromJson(j.core, `${where}: core`);
  const consistent = (s: LifecycleState, at: string) => {
    if (s.successes.count + s.failures.count !== s.count) throw new Error(`${where}: ${at}: successes ${s.successes.count} + failures ${s.failures.count} ≠ count ${s.count}`);
    if ((s.successes.brOutputLength === null) === options.useServerOutputTokens) throw new Error(`${where}: ${at}.successes.brOutputLength: must be set exactly with useServerOutputTokens`);
    const keys = goodputKeys(options.goodput).length;
    if (s.successes.goodput.attained.length !== keys || s.successes.goodput.applicable.length !== keys) {
      throw new Error(`${where}: ${at}.successes.goodput.attained: one count per goodput constraint expected`);
    }
  };
  consistent(core, "core");
  const adapters = j.adapters.map((a, i) => {
    const state = lifecycleFromJson(a.state, `${where}: adapters.${i}.state`);
    consistent(state, `adapters.${i}.state`);
    return { adapter: a.adapter, firstSeenMs: a.firstSeenMs, state };
  });
  return { options, core, adapters };
}
