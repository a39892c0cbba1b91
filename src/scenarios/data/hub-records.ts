/**
 * Records of a dataset file, one at a time and in file order, as `datasets` streams them — a file can be far
 * larger than one JavaScript string (ShareGPT_V3 is ~670 MB; V8 strings stop at 512 MiB), so nothing reads a
 * file whole:
 *   .json / .jsonl   a JSON list of objects (split at its top-level commas, each element parsed alone) or JSON
 *                    Lines (`datasets`' json loader takes either);
 *   .parquet         row group by row group with hyparquet (pure JS; snappy built in, other codecs refused by name).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { UsageError } from "../../errors.ts";

const OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf;

async function firstByte(path: string): Promise<number | null> {
  for await (const chunk of createReadStream(path, { highWaterMark: 4096 })) {
    for (const b of chunk as Buffer) if (!isSpace(b)) return b;
  }
  return null;
}

function parseElement(parts: Buffer[], file: string, index: number): unknown {
  const text = Buffer.concat(parts).toString("utf8").trim();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${file}: record ${index} is not valid JSON: ${(err as Error).message}`, "the file must be a JSON list of objects or JSON Lines");
  }
}

/** The elements of a top-level JSON list, streamed: bytes are split at depth-1 commas outside strings. */
async function* jsonListElements(path: string): AsyncGenerator<unknown> {
  let depth = 0, inString = false, escaped = false, index = 0;
  let parts: Buffer[] = [];
  for await (const raw of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = raw as Buffer;
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        continue;
      }
      if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        depth++;
        if (depth === 1) start = i + 1; // past the list's own "["
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          parts.push(chunk.subarray(start, i));
          const text = Buffer.concat(parts);
          parts = [];
          if (text.toString("utf8").trim() !== "") yield parseElement([text], path, index++);
          return;
        }
      } else if (b === COMMA && depth === 1) {
        parts.push(chunk.subarray(start, i));
        yield parseElement(parts, path, index++);
        parts = [];
        start = i + 1;
      }
    }
    if (depth >= 1) parts.push(Buffer.from(chunk.subarray(start)));
  }
  throw new UsageError(`${path}: the JSON list is not closed (the file is cut short?)`, "download the file again, or check it with a JSON validator");
}

async function* jsonLines(path: string): AsyncGenerator<unknown> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    try {
      yield JSON.parse(text) as unknown;
    } catch (err) {
      throw new UsageError(`${path}: line ${line} is not valid JSON: ${(err as Error).message}`, "the file must be a JSON list of objects or JSON Lines");
    }
  }
}

export async function* readJsonRecords(path: string): AsyncGenerator<unknown> {
  const first = await firstByte(path);
  if (first === null) return;
  yield* first === OPEN_BRACKET ? jsonListElements(path) : jsonLines(path);
}

/** Rows of a parquet file, row group by row group, with only `columns` read. */
export async function* readParquetRecords(path: string, columns: string[]): AsyncGenerator<Record<string, unknown>> {
  const file = await asyncBufferFromFile(path);
  let meta;
  try {
    meta = await parquetMetadataAsync(file);
  } catch (err) {
    throw new UsageError(`${path} is not a parquet file: ${(err as Error).message}`, "download it again (delete it from the Hugging Face cache)");
  }
  let rowStart = 0;
  for (const group of meta.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = (await parquetReadObjects({ file, metadata: meta, columns, rowStart, rowEnd })) as Record<string, unknown>[];
    } catch (err) {
      const msg = (err as Error).message;
      throw new UsageError(`cannot read ${path}: ${msg}`, /compression/i.test(msg) ? "kneepoint reads snappy-compressed and uncompressed parquet (what the Hub's files use); rewrite the file with one of them" : "download it again (delete it from the Hugging Face cache)");
    }
    yield* rows;
    rowStart = rowEnd;
  }
}
