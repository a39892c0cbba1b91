/**
 * One line of the Azure LLM inference trace (AzurePublicDataset: `TIMESTAMP,ContextTokens,GeneratedTokens`),
 * read as inference-perf 0.7.0's AzurePublicDatasetReader reads it (utils/trace_reader.py): fields split on
 * commas; the timestamp is `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, optionally quoted, with `T` for the space
 * and a trailing `Z` allowed, fractional seconds cut to 6 digits and anything after them (a zone suffix) dropped.
 * Pure: a line in, a parsed row or the reason it is not one out.
 */

export interface AzureTraceLine {
  /** Microseconds since the Unix epoch (integers keep 6-digit fractions exact). */
  timestampUs: number;
  inputTokens: number;
  outputTokens: number;
}

export type ParsedLine = { ok: true; row: AzureTraceLine } | { ok: false; field: string; message: string };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d*))?$/;
const INTEGER = /^[+-]?\d+$/;

/** µs since the epoch, or null when the text is not a timestamp strptime("%Y-%m-%d %H:%M:%S.%f") would take. */
export function parseAzureTimestampUs(text: string): number | null {
  let ts = text.trim().replace(/^"+|"+$/g, "").replace("T", " ").replace(/Z+$/, "").trim();
  const dot = ts.indexOf(".");
  if (dot >= 0) ts = ts.slice(0, dot + 1) + (/^\d*/.exec(ts.slice(dot + 1))?.[0] ?? "");
  const m = TIMESTAMP.exec(ts);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 61) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d) return null; // 31 April and the like
  const micros = Number((m[7] ?? "").slice(0, 6).padEnd(6, "0"));
  return ms * 1000 + micros;
}

/** A token count as Python's int() reads it: an optionally signed integer, surrounding blanks allowed. */
function parseCount(text: string | undefined): number | null {
  const t = text?.trim() ?? "";
  return INTEGER.test(t) ? Number(t) : null;
}

export function parseAzureTraceLine(line: string): ParsedLine {
  const fields = line.split(",");
  const timestampUs = parseAzureTimestampUs(fields[0] ?? "");
  if (timestampUs === null) return { ok: false, field: "TIMESTAMP", message: `'${fields[0]?.trim()}' is not a timestamp like 2023-11-16 18:15:46.680590` };
  const inputTokens = parseCount(fields[1]);
  if (inputTokens === null || inputTokens < 1) return { ok: false, field: "ContextTokens", message: `'${fields[1]?.trim() ?? ""}' is not a token count ≥ 1` };
  const outputTokens = parseCount(fields[2]);
  if (outputTokens === null || outputTokens < 1) return { ok: false, field: "GeneratedTokens", message: `'${fields[2]?.trim() ?? ""}' is not a token count ≥ 1` };
  return { ok: true, row: { timestampUs, inputTokens, outputTokens } };
}

/** A first line whose ContextTokens field is not a number is a header (csv.Sniffer's verdict on Azure's files). */
export function isAzureHeader(line: string): boolean {
  return parseCount(line.split(",")[1]) === null;
}
