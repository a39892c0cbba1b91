/**
 * inference-perf's `shareGPT` data from a local file (research/inference-perf.md §1.2; its
 * hf_sharegpt_datagen.py): records `{conversations: [{from, value}, …]}` with at least two turns, read in
 * file order starting from the second record (inference-perf consumes the first when it opens the dataset)
 * and cycling.
 *   completion: prompt = turn 0, max_tokens = the token count of turn 1; records whose prompt (with the
 *               server's special tokens) or answer fall outside input_distribution / output_distribution
 *               [min, max] are skipped.
 *   chat:       every turn as a message (human → user, gpt → assistant, others → user), no max_tokens
 *               (→ 30), no filter.
 * The pool holds at most `poolLimit` usable records (the run's request count), tokenized up front.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../errors.ts";
import type { TokenizerPort } from "../../tokenizer/tokenizer-port.ts";
import type { Distribution } from "../config/distribution-schema.ts";
import { DEFAULT_MAX_TOKENS, type BodyWriter } from "./body-writer.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";

interface Turn {
  from?: unknown;
  value?: unknown;
}

interface PoolEntry {
  json: string;
  promptTokens: number;
  maxTokens: number | null;
}

const ROLES: Record<string, string> = { human: "user", gpt: "assistant" };

async function readRecords(path: string): Promise<unknown[]> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory() ? (await readdir(path)).filter((f) => f.endsWith(".json")).sort().map((f) => join(path, f)) : [path];
  } catch {
    throw new UsageError(`data.path: ${path} does not exist`, "set data.path to a ShareGPT JSON file (e.g. ShareGPT_V3_unfiltered_cleaned_split.json)");
  }
  const records: unknown[] = [];
  for (const file of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(file, "utf8"));
    } catch (err) {
      throw new UsageError(`data.path: ${file} is not valid JSON: ${(err as Error).message}`, "ShareGPT files are a JSON list of {conversations: [{from, value}]}");
    }
    if (!Array.isArray(doc)) throw new UsageError(`data.path: ${file} is not a JSON list of conversations`, "ShareGPT files are a JSON list of {conversations: [{from, value}]}");
    records.push(...doc);
  }
  return records;
}

/** A turn may be an object or, in some ShareGPT copies, a string holding one (inference-perf issue 429). */
function turnOf(raw: unknown): Turn | null {
  if (typeof raw === "string") {
    try {
      return turnOf(JSON.parse(raw));
    } catch {
      return null;
    }
  }
  return raw !== null && typeof raw === "object" ? (raw as Turn) : null;
}

function conversationOf(record: unknown): Turn[] | null {
  const turns = (record as { conversations?: unknown } | null)?.conversations;
  if (!Array.isArray(turns) || turns.length < 2) return null;
  const parsed = turns.map(turnOf);
  return parsed.every((t): t is Turn => t !== null && typeof t.value === "string") ? parsed : null;
}

const inRange = (n: number, d: Distribution | null) => d === null || (n >= d.min && n <= d.max);

export interface ShareGptOptions {
  path: string;
  api: "completion" | "chat";
  input: Distribution | null;
  output: Distribution | null;
  poolLimit: number;
}

export async function createShareGptSource(opts: ShareGptOptions, tok: TokenizerPort, body: BodyWriter): Promise<ScenarioRequestSource> {
  const records = await readRecords(opts.path);
  const special = await tok.specialTokenCount();
  const pool: PoolEntry[] = [];
  let skipped = 0;
  for (let k = 0; k < records.length && pool.length < opts.poolLimit; k++) {
    const turns = conversationOf(records[(k + 1) % records.length]);
    if (!turns) continue;
    if (opts.api === "completion") {
      const prompt = turns[0]!.value as string;
      if (!prompt) continue;
      const promptTokens = (await tok.encode(prompt)).length + special;
      const answerTokens = (await tok.encode(turns[1]!.value as string)).length;
      if (!inRange(promptTokens, opts.input) || !inRange(answerTokens, opts.output)) {
        skipped++;
        continue;
      }
      pool.push({ json: JSON.stringify(prompt), promptTokens, maxTokens: answerTokens });
    } else {
      const messages = turns.map((t) => ({ role: ROLES[String(t.from)] ?? "user", content: t.value as string }));
      let tokens = 0; // the messages' own tokens; the server's chat template adds its own

      for (const m of messages) tokens += (await tok.encode(m.content)).length;
      pool.push({ json: JSON.stringify(messages), promptTokens: tokens, maxTokens: null });
    }
  }
  if (pool.length === 0) {
    throw new UsageError(
      `data.path: no usable conversation in ${opts.path} (${records.length} records, ${skipped} outside the length filters)`,
      "check the file's format ({conversations: [{from, value}, …]}, two turns or more) and the input/output_distribution min/max",
    );
  }
  return {
    warnings: [],
    request(i) {
      const e = pool[i % pool.length]!;
      const json = opts.api === "chat" ? body.forMessagesJson(e.json, e.maxTokens) : body.forPromptJson(e.json, e.maxTokens);
      return { body: json, plannedPromptTokens: e.promptTokens, plannedOutputTokens: e.maxTokens ?? DEFAULT_MAX_TOKENS };
    },
    describe: () =>
      `shareGPT: ${pool.length} conversations from ${opts.path}${skipped ? ` (${skipped} skipped by the length filters)` : ""}, ` +
      (opts.api === "chat" ? "every turn sent as a message, max_tokens 30 (inference-perf's default)" : "first turn as the prompt, max_tokens = the answer's tokens"),
  };
}
