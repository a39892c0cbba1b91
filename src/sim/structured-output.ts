/**
 * Structured output as vLLM serves it: `response_format` on /v1/completions and /v1/chat/completions
 * (`{type: "json_object"}`, `{type: "json_schema", json_schema: {name, schema}}`, `{type: "text"}` = none), read
 * with vLLM's rules — `json_schema` with `schema: null` carries no constraint, which current vLLM refuses with 400
 * ("You must use one kind of structured outputs constraint but none are specified"); a schema it cannot compile is
 * a 400 too. The answer is JSON valid for the schema, built from a small generator (object, array, string, number,
 * integer, boolean, null, enum, const, required, anyOf/oneOf, local $ref, min/max bounds, a few string formats).
 *
 * Its length follows the output plan: the first free string (no enum, const, format or maxLength) is filled with
 * word tokens until the answer is the planned token count. A schema with no such string answers its minimal
 * document; under ignore_eos the tokens after it are end-of-sequence tokens (counted, no text), as a grammar that
 * has terminated allows only EOS. An answer whose minimal document exceeds max_tokens is cut there (finish_reason
 * "length", the text not valid JSON), as vLLM cuts it.
 */
import { apiError, type ApiError } from "./api-error.ts";
import { createRng, intBelow } from "./seeded-random.ts";
import { tokenize } from "./tokenizer.ts";
import { getVocabulary, ORDINARY_TOKENS, UNK_ID } from "./vocabulary.ts";

/** What the request asks for: any JSON object (json_object) or a schema. */
export type StructuredFormat = { kind: "json_object" } | { kind: "json_schema"; schema: Record<string, unknown> };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const UNSUPPORTED = "The provided JSON schema contains features not supported by xgrammar.";
const failed = (why: string) => `Failed to transform json schema into a grammar: ${why}`;

/** A value with at most one "free" string slot, marked by FILL, that the answer's length is tuned with. */
const FILL = "\u0000fill\u0000";

/** The request's `response_format`: null for none (absent or type text), a format, or vLLM's 400. */
export function readResponseFormat(value: unknown): StructuredFormat | null | ApiError {
  if (value === undefined || value === null) return null;
  const bad = (message: string) => apiError(400, message, "response_format");
  if (typeof value !== "object" || Array.isArray(value)) return bad("`response_format` must be an object");
  const rf = value as { type?: unknown; json_schema?: unknown };
  if (rf.type === "text") return null;
  if (rf.type === "json_object") return { kind: "json_object" };
  if (rf.type === "structural_tag") return bad("the simulator does not support response_format type structural_tag");
  if (rf.type !== "json_schema") return bad("`response_format.type` must be one of text, json_object, json_schema, structural_tag");
  const js = rf.json_schema as { name?: unknown; schema?: unknown } | null | undefined;
  if (js === undefined || js === null) return bad("`response_format.json_schema` is required when type is json_schema");
  if (typeof js !== "object" || typeof js.name !== "string") return bad("`response_format.json_schema.name` must be a string");
  if (js.schema === undefined || js.schema === null) {
    return bad(`You must use one kind of structured outputs constraint but none are specified: {'json': None}`);
  }
  if (typeof js.schema !== "object" || Array.isArray(js.schema)) return apiError(400, failed("the schema must be a JSON object"));
  const schema = js.schema as Record<string, unknown>;
  const check = skeleton(schema, schema, 0);
  if (isError(check)) return apiError(400, check.error);
  return { kind: "json_schema", schema };
}

type Skeleton = Json | { error: string };
/** Errors are marked by identity, so a schema's own `{"error": …}` const is still a value. */
const ERRORS = new WeakSet<object>();
const isError = (s: Skeleton): s is { error: string } => typeof s === "object" && s !== null && ERRORS.has(s);
const err = (error: string): { error: string } => {
  const e = { error };
  ERRORS.add(e);
  return e;
};

const SUPPORTED_KEYS = new Set([
  "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
  "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format", "anyOf", "oneOf",
  "$ref", "$defs", "definitions", "title", "description", "default", "examples", "$schema", "$id", "minProperties", "maxProperties",
]);
const FORMATS: Record<string, string> = {
  "date-time": "2026-01-01T00:00:00Z", date: "2026-01-01", time: "00:00:00Z", email: "sim@example.com",
  uuid: "00000000-0000-4000-8000-000000000000", uri: "https://example.com", hostname: "example.com", ipv4: "127.0.0.1",
};

function resolveRef(root: Record<string, unknown>, ref: string): Record<string, unknown> | null {
  const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const defs = m ? (root[m[1]!] as Record<string, unknown> | undefined) : undefined;
  const target = m && defs ? defs[m[2]!] : ref === "#" ? root : undefined;
  return typeof target === "object" && target !== null ? (target as Record<string, unknown>) : null;
}

/** The minimal valid document of `schema`, with FILL in its first free string; or why there is none. */
function skeleton(schema: unknown, root: Record<string, unknown>, depth: number): Skeleton {
  if (schema === true || (typeof schema === "object" && schema !== null && Object.keys(schema).length === 0)) return FILL;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return err(failed(`not a schema: ${JSON.stringify(schema)}`));
  if (depth > 32) return err(failed("the schema nests (or refers to itself) more than 32 levels deep"));
  const s = schema as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!SUPPORTED_KEYS.has(k)) return err(UNSUPPORTED);
  if (typeof s.$ref === "string") {
    const target = resolveRef(root, s.$ref);
    return target ? skeleton(target, root, depth + 1) : err(failed(`cannot resolve $ref ${s.$ref}`));
  }
  if ("const" in s) return s.const as Json;
  if (Array.isArray(s.enum)) return s.enum.length > 0 ? (s.enum[0] as Json) : err(failed("enum has no values"));
  for (const k of ["anyOf", "oneOf"] as const) {
    if (!Array.isArray(s[k])) continue;
    let last: Skeleton = err(failed(`${k} has no branches`));
    for (const branch of s[k] as unknown[]) {
      last = skeleton(branch, root, depth + 1);
      if (!isError(last)) return last;
    }
    return last;
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case undefined:
      return s.properties !== undefined ? objectSkeleton(s, root, depth) : FILL;
    case "object":
      return objectSkeleton(s, root, depth);
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      const max = typeof s.maxItems === "number" ? s.maxItems : Infinity;
      if (min > max) return err(failed(`minItems ${min} > maxItems ${max}`));
      const count = Math.max(min, Math.min(1, max));
      if (count === 0) return [];
      const item = skeleton(s.items ?? {}, root, depth + 1);
      if (isError(item)) return item;
      // only the first item may hold the free string
      const rest = JSON.parse(JSON.stringify(item).replaceAll(JSON.stringify(FILL).slice(1, -1), "")) as Json;
      return [item, ...Array.from({ length: count - 1 }, () => rest)];
    }
    case "string": {
      const min = typeof s.minLength === "number" ? s.minLength : 0;
      const max = typeof s.maxLength === "number" ? s.maxLength : Infinity;
      if (min > max) return err(failed(`minLength ${min} > maxLength ${max}`));
      if (typeof s.format === "string") return FORMATS[s.format] ?? err(UNSUPPORTED);
      if (max !== Infinity) return "x".repeat(min);
      return min > 0 ? "x".repeat(min) + FILL : FILL;
    }
    case "integer":
    case "number":
      return numberSkeleton(s, type === "integer");
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return err(failed(`unknown type ${JSON.stringify(s.type)}`));
  }
}

function objectSkeleton(s: Record<string, unknown>, root: Record<string, unknown>, depth: number): Skeleton {
  const props = (s.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(s.required) ? (s.required as string[]) : [];
  const out: Record<string, Json> = {};
  let filled = false;
  for (const name of [...Object.keys(props), ...required.filter((r) => !(r in props))]) {
    const v = skeleton(props[name] ?? {}, root, depth + 1);
    if (isError(v)) return v;
    const text = JSON.stringify(v);
    const hasFill = text.includes(JSON.stringify(FILL).slice(1, -1));
    out[name] = hasFill && filled ? (JSON.parse(text.replaceAll(JSON.stringify(FILL).slice(1, -1), "")) as Json) : v;
    filled ||= hasFill;
  }
  const count = Object.keys(out).length;
  if (typeof s.minProperties === "number" && count < s.minProperties) return err(UNSUPPORTED);
  if (typeof s.maxProperties === "number" && count > s.maxProperties) return err(failed(`maxProperties ${s.maxProperties} is below the ${count} properties`));
  return out;
}

function numberSkeleton(s: Record<string, unknown>, integer: boolean): Skeleton {
  const num = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : undefined);
  let lo = num("minimum") ?? -Infinity;
  let hi = num("maximum") ?? Infinity;
  const exLo = num("exclusiveMinimum");
  const exHi = num("exclusiveMaximum");
  if (exLo !== undefined) lo = Math.max(lo, integer ? Math.floor(exLo) + 1 : exLo + (Math.abs(exLo) || 1) * 1e-3);
  if (exHi !== undefined) hi = Math.min(hi, integer ? Math.ceil(exHi) - 1 : exHi - (Math.abs(exHi) || 1) * 1e-3);
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
  }
  if (lo > hi) return err(failed(`no ${integer ? "integer" : "number"} lies within [${lo}, ${hi}]`));
  if (lo <= 0 && 0 <= hi) return 0;
  return lo > 0 ? lo : hi;
}

/** The document json_object answers: any object will do, so one with a free string. */
const OBJECT_SKELETON: Json = { answer: FILL };

export interface StructuredAnswer {
  /** Each output token's text, in order ("" for an end-of-sequence token past the document). */
  pieces: string[];
  finishReason: "length" | "stop";
}

/** Texts of the simulator's tokens of `text` (an unknown character is its own piece). */
function tokenPieces(text: string): string[] {
  const vocab = getVocabulary();
  const pieces: string[] = [];
  let at = 0;
  for (const id of tokenize(text, false)) {
    if (id === UNK_ID) {
      const ch = String.fromCodePoint(text.codePointAt(at)!);
      pieces.push(ch);
      at += ch.length;
    } else {
      const piece = vocab.texts[id]!;
      pieces.push(piece);
      at += piece.length;
    }
  }
  return pieces;
}

/**
 * The answer for one request: `want` tokens planned (the output plan's count), `budget` = max_tokens. Seeded
 * by `seed` (the filler words), so a prompt gets the same answer every time.
 */
export function structuredAnswer(format: StructuredFormat, options: { want: number; budget: number; ignoreEos: boolean; seed: number }): StructuredAnswer {
  const { want, budget, ignoreEos } = options;
  const doc = format.kind === "json_object" ? OBJECT_SKELETON : (skeleton(format.schema, format.schema, 0) as Json);
  const marker = JSON.stringify(FILL).slice(1, -1);
  const text = JSON.stringify(doc);
  const [before, after] = text.includes(marker) ? [text.slice(0, text.indexOf(marker)), text.slice(text.indexOf(marker) + marker.length)] : [text, null];
  const minimal = tokenPieces(before + (after ?? ""));
  let pieces = minimal;
  if (after !== null && want > minimal.length) {
    const rng = createRng(options.seed);
    const vocab = getVocabulary();
    const words = Array.from({ length: want - minimal.length }, () => vocab.texts[vocab.firstWordId + intBelow(rng, ORDINARY_TOKENS - vocab.firstWordId)]!);
    const filled = tokenPieces(before + words.join("") + after);
    if (filled.length <= budget) pieces = filled;
  }
  if (pieces.length >= budget) return { pieces: pieces.slice(0, budget), finishReason: "length" };
  if (ignoreEos) return { pieces: [...pieces, ...Array<string>(budget - pieces.length).fill("")], finishReason: "length" };
  return { pieces, finishReason: "stop" };
}
