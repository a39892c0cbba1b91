/**
 * The result JSON inside one marked block of a Job's log (result-markers.ts). The block's lines may carry
 * log prefixes (kubectl --timestamps / --prefix) and may be interleaved with other output (progress bars,
 * warnings). vLLM writes its result on one line, so each line is tried as "prefix + one JSON object". When no
 * line holds a result, the block is read as one indented JSON document (`vllm bench sweep` writes indent=4),
 * with each line's log prefix stripped. Pure.
 */
import { parsePythonJson } from "./parse-python-json.ts";

export interface BlockLine {
  text: string;
  /** 1-based line number in the log. */
  line: number;
}

export type BlockJson =
  | { ok: true; value: Record<string, unknown>; nonFinite: number; otherObjects: number }
  | { ok: false; reason: string };

/** How many `{` positions of one line are tried as the start of the JSON (a log prefix rarely has any). */
const MAX_STARTS_PER_LINE = 8;

/**
 * The block's result: the last object on one line that has `duration` and `completed` (the two keys every
 * vLLM version writes); else the block read as one multi-line document; else the last object on one line.
 */
export function findBlockJson(lines: readonly BlockLine[], logPrefix: string): BlockJson {
  const singles: { value: Record<string, unknown>; nonFinite: number }[] = [];
  for (const { text } of lines) {
    const found = objectInLine(text);
    if (found !== null) singles.push(found);
  }
  const results = singles.filter((s) => "duration" in s.value && "completed" in s.value);
  const pick = results[results.length - 1];
  if (pick !== undefined) return { ok: true, ...pick, otherObjects: singles.length - 1 };

  const document = multiLineObject(lines, logPrefix);
  if (document.ok) return { ...document, otherObjects: singles.length };
  const last = singles[singles.length - 1];
  if (last !== undefined) return { ok: true, ...last, otherObjects: singles.length - 1 };
  return document;
}

function objectInLine(text: string): { value: Record<string, unknown>; nonFinite: number } | null {
  let start = text.indexOf("{");
  for (let tries = 0; start !== -1 && tries < MAX_STARTS_PER_LINE; tries++) {
    const candidate = text.slice(start).trimEnd();
    if (candidate.endsWith("}")) {
      try {
        const parsed = parsePythonJson(candidate);
        if (isPlainObject(parsed.value)) return { value: parsed.value, nonFinite: parsed.nonFinite };
      } catch {
        // Not JSON from here; try the next "{".
      }
    }
    start = text.indexOf("{", start + 1);
  }
  return null;
}

function multiLineObject(lines: readonly BlockLine[], logPrefix: string): BlockJson {
  const strip = prefixStripper(logPrefix);
  const texts = lines.map((l) => strip(l.text));
  const first = texts.findIndex((t) => t.trimStart().startsWith("{"));
  if (first === -1) return { ok: false, reason: "no JSON object in the block" };
  let last = texts.length - 1;
  while (last > first && !(texts[last] as string).trimEnd().endsWith("}")) last--;
  try {
    const parsed = parsePythonJson(texts.slice(first, last + 1).join("\n"));
    if (isPlainObject(parsed.value)) return { ok: true, value: parsed.value, nonFinite: parsed.nonFinite, otherObjects: 0 };
    return { ok: false, reason: "the JSON in the block is not an object" };
  } catch (err) {
    const firstLine = (lines[first] as BlockLine).line;
    return { ok: false, reason: `the JSON from line ${firstLine} does not parse (${(err as Error).message})` };
  }
}

/**
 * A function that strips, from a line, a log prefix shaped like `logPrefix` (the text before the block's begin
 * marker): the same text with any digits, where any number may have a fraction or not, because kubectl's
 * RFC3339Nano timestamps drop trailing zeros (`…:02Z`, `…:02.5Z`). Lines without such a prefix are returned as they are.
 */
export function prefixStripper(logPrefix: string): (line: string) => string {
  if (logPrefix === "") return (line) => line;
  let source = "^";
  for (const [token] of logPrefix.matchAll(/\.\d+|\d+|[^\d.]+|\./g)) {
    if (/^\.\d+$/.test(token)) source += "(?:\\.\\d+)?";
    else if (/^\d+$/.test(token)) source += "\\d+(?:\\.\\d+)?";
    else source += token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  const pattern = new RegExp(source);
  return (line) => line.replace(pattern, "");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
