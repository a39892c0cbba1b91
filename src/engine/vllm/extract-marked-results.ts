/**
 * Every step result printed between marker lines (result-markers.ts) in a vLLM Job's log. Pure: the log
 * comes in as text, and the results, errors and warnings come out. Nothing is thrown for a bad block, so the
 * steps that did finish are still reported when a later one crashed.
 */
import { findBlockJson, type BlockLine } from "./find-block-json.ts";
import { DEFAULT_RESULT_MARKERS, matchMarkerLine, type ResultMarkers } from "./result-markers.ts";

export interface MarkedResult {
  concurrency: number;
  /** The parsed JSON object, not yet validated (parseVllmResult does that). */
  json: Record<string, unknown>;
  /** 1-based log line of the begin marker. */
  line: number;
}

export interface MarkedResultError {
  concurrency: number | null;
  /** 1-based log line where the problem starts. */
  line: number;
  message: string;
}

export interface ExtractedResults {
  /** In log order. */
  results: MarkedResult[];
  /** Blocks that yielded no result: a crashed step, a cut log, JSON that does not parse. */
  errors: MarkedResultError[];
  /** Results kept despite something odd (no end marker, NaN tokens, duplicates), and stray end markers. */
  warnings: string[];
}

interface OpenBlock {
  concurrency: number;
  line: number;
  prefix: string;
  body: BlockLine[];
}

export function extractMarkedResults(log: string, markers: ResultMarkers = DEFAULT_RESULT_MARKERS): ExtractedResults {
  const out: ExtractedResults = { results: [], errors: [], warnings: [] };
  let open: OpenBlock | null = null;
  const lines = log.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const text = visibleText(lines[index] as string);
    const marker = matchMarkerLine(text, markers);
    if (marker === null) {
      open?.body.push({ text, line: lineNo });
    } else if (marker.edge === "begin") {
      if (open !== null) closeBlock(open, `a new begin marker (c=${marker.concurrency}) at line ${lineNo}`, out);
      open = { concurrency: marker.concurrency, line: lineNo, prefix: marker.prefix, body: [] };
    } else if (open === null) {
      out.warnings.push(`line ${lineNo}: end marker for c=${marker.concurrency} without a begin marker; ignored`);
    } else {
      // Output without a final newline puts the JSON in front of the end marker.
      if (marker.prefix.trim() !== "") open.body.push({ text: marker.prefix, line: lineNo });
      const mismatch = open.concurrency === marker.concurrency ? null : `an end marker for c=${marker.concurrency} at line ${lineNo}`;
      closeBlock(open, mismatch, out);
      open = null;
    }
  }
  if (open !== null) closeBlock(open, "the end of the log", out);
  warnDuplicates(out);
  return out;
}

/** Close a block; `unterminated` names what came instead of its end marker (null: it was terminated). */
function closeBlock(block: OpenBlock, unterminated: string | null, out: ExtractedResults): void {
  const c = block.concurrency;
  const found = findBlockJson(block.body, block.prefix);
  const where = `c=${c} (block from line ${block.line})`;
  if (!found.ok) {
    const message =
      unterminated === null
        ? `${where}: ${found.reason}`
        : `${where}: no end marker before ${unterminated}, and ${found.reason}: the step probably crashed or the log was cut; ` +
          `its vllm bench serve output is in the Job's log just before line ${block.line}`;
    out.errors.push({ concurrency: c, line: block.line, message });
    return;
  }
  out.results.push({ concurrency: c, json: found.value, line: block.line });
  if (unterminated !== null) out.warnings.push(`${where}: no end marker before ${unterminated}, but its JSON is complete; kept`);
  if (found.nonFinite > 0) out.warnings.push(`${where}: ${found.nonFinite} NaN/Infinity token(s) (not JSON) read as null`);
  if (found.otherObjects > 0) out.warnings.push(`${where}: ${found.otherObjects} other JSON object(s) in the block ignored`);
}

function warnDuplicates(out: ExtractedResults): void {
  const seen = new Map<number, number>();
  for (const r of out.results) seen.set(r.concurrency, (seen.get(r.concurrency) ?? 0) + 1);
  for (const [c, n] of seen) if (n > 1) out.warnings.push(`c=${c}: ${n} results in the log (a retried step?); all are returned, in log order`);
}

/** What a terminal shows of a line: without its CRLF's \r, and only what follows the last carriage return. */
function visibleText(raw: string): string {
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  const cr = line.lastIndexOf("\r");
  return cr === -1 ? line : line.slice(cr + 1);
}
