/**
 * data.type shareGPT without data.path, cnn_dailymail, billsum_conversations and infinity_instruct, as inference-perf
 * 0.7.0 generates them (hub-dataset-rows.ts for each record, hub-dataset-files.ts for where records come from):
 *   - the first record is consumed when the dataset opens, so requests start at the second, and after the last
 *     record comes the first again (0.7.0 cycles shareGPT and cnn_dailymail, re-opens billsum_conversations; it
 *     fails on infinity_instruct's end, where kneepoint cycles and warns);
 *   - completion: prompt tokens = the prompt with the tokenizer's special tokens (tokenizer.encode), max_tokens =
 *     the completion's tokens with special tokens too (CustomTokenizer.count_tokens; 0 for ""); a record outside
 *     input_distribution / output_distribution [min, max] is skipped;
 *   - chat: the messages, no max_tokens, no filter.
 * The pool holds at most `poolLimit` requests (the run's request count), read and tokenized up front, so `request(i)`
 * does no I/O; a long file is read only as far as needed.
 */
import { UsageError } from "../../errors.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { Distribution } from "../config/distribution-schema.ts";
import { DEFAULT_MAX_TOKENS, type BodyWriter } from "./body-writer.ts";
import { recordStream, type HubAccess } from "./hub-dataset-files.ts";
import { candidateOf, type Candidate, type HubDatasetType } from "./hub-dataset-rows.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";

export interface HubDatasetOptions {
  type: HubDatasetType;
  path: string | null;
  api: "completion" | "chat";
  input: Distribution | null;
  output: Distribution | null;
  poolLimit: number;
}

interface PoolEntry {
  json: string;
  promptTokens: number;
  maxTokens: number | null;
}

const inRange = (n: number, d: Distribution | null) => d === null || (n >= d.min && n <= d.max);

const SUPPORTED_APIS: Record<HubDatasetType, Array<"completion" | "chat">> = {
  shareGPT: ["completion", "chat"],
  cnn_dailymail: ["completion"],
  billsum_conversations: ["completion", "chat"],
  infinity_instruct: ["completion", "chat"],
};

export async function createHubDatasetSource(opts: HubDatasetOptions, tok: TokenizerPort, body: BodyWriter, access: HubAccess): Promise<ScenarioRequestSource> {
  if (!SUPPORTED_APIS[opts.type].includes(opts.api)) {
    throw new UsageError(`data.type ${opts.type} supports api.type ${SUPPORTED_APIS[opts.type].join(" or ")} only (as in inference-perf)`, `set api.type to ${SUPPORTED_APIS[opts.type][0]}`);
  }
  const stream = recordStream(opts.type, opts.path, access);
  const special = await tok.specialTokenCount();
  const withSpecial = async (text: string) => (text === "" ? 0 : (await tok.encode(text)).length + special);
  const pool: PoolEntry[] = [];
  let skipped = 0;
  let records = 0;

  const add = async (c: Candidate | null): Promise<void> => {
    if (c === null) return;
    if (c.kind === "chat") {
      let tokens = 0; // the messages' own tokens; the server's chat template adds its own
      for (const m of c.messages) tokens += (await tok.encode(m.content)).length;
      pool.push({ json: JSON.stringify(c.messages), promptTokens: tokens, maxTokens: null });
      return;
    }
    const promptTokens = await withSpecial(c.prompt);
    const completionTokens = await withSpecial(c.completion);
    if (!inRange(promptTokens, opts.input) || !inRange(completionTokens, opts.output)) {
      skipped++;
      return;
    }
    pool.push({ json: JSON.stringify(c.prompt), promptTokens, maxTokens: completionTokens });
  };

  let first: unknown = undefined;
  for await (const record of stream.records()) {
    if (records++ === 0) first = record; // consumed when the dataset opens; it comes after the last one
    else await add(candidateOf(opts.type, record, opts.api));
    if (pool.length >= opts.poolLimit) break;
  }
  const exhausted = pool.length < opts.poolLimit;
  if (exhausted && records > 0) await add(candidateOf(opts.type, first, opts.api));
  if (pool.length === 0) {
    throw new UsageError(
      `data.type ${opts.type}: no usable record in ${stream.label} (${records} records, ${skipped} outside the length filters)`,
      "check the records' fields and the input/output_distribution min/max",
    );
  }
  const warnings =
    exhausted && opts.type === "infinity_instruct"
      ? [`data.path ${stream.label} has ${pool.length} usable records for ${opts.poolLimit} requests: kneepoint cycles them, where inference-perf 0.7.0 stops with an error at the end of an infinity_instruct file`]
      : [];
  return {
    warnings,
    request(i) {
      const e = pool[i % pool.length]!;
      const json = opts.api === "chat" ? body.forMessagesJson(e.json, e.maxTokens) : body.forPromptJson(e.json, e.maxTokens);
      return { body: json, plannedPromptTokens: e.promptTokens, plannedOutputTokens: e.maxTokens ?? DEFAULT_MAX_TOKENS };
    },
    describe: () =>
      `${opts.type}: ${pool.length} ${opts.api === "chat" ? "conversations" : "prompts"} from ${stream.label}${skipped ? ` (${skipped} skipped by the length filters)` : ""}, ` +
      (opts.api === "chat" ? "every turn sent as a message, max_tokens 30 (inference-perf's default)" : "max_tokens = the completion's tokens"),
  };
}
