/**
 * inference-perf 0.7.0's validator of per_request_lifecycle_metrics.json (reportgen/per_request/validation.py):
 * per-record invariants (end ≥ start, a success carries response metrics, token times in order and inside the
 * request, client and server output counts within 25 %), one finding per rule with a count and up to five
 * record indices. Pure.
 */
import { pyTypeName } from "./python-format.ts";
import { error, isDict, isNumber, PER_REQUEST_FILENAME, StopValidation, type Finding, type ReportSet, type ReportSetValidator, type Severity } from "./validation-findings.ts";

const SAMPLE_LIMIT = 5;
// Client-side re-tokenization and the server's count may diverge (reasoning tokens): a warning, loosely.
const TOKEN_AGREEMENT_REL_TOL = 0.25;

function aggregate(check: string, severity: Severity, description: string, indices: number[]): Finding[] {
  if (indices.length === 0) return [];
  const sample = indices.slice(0, SAMPLE_LIMIT).join(", ");
  const suffix = ` (record indices: ${sample}${indices.length > SAMPLE_LIMIT ? ", …" : ""})`;
  return [{ check, severity, message: `${indices.length} record(s) ${description}${suffix}`, report: PER_REQUEST_FILENAME }];
}

type Rec = Record<string, unknown>;

/** The records that are dicts, with their index in the file (the structure check ran first). */
function records(set: ReportSet): [number, Rec][] {
  const contents = set.get(PER_REQUEST_FILENAME)?.contents as unknown[];
  return contents.flatMap((r, i) => (isDict(r) ? [[i, r] as [number, Rec]] : []));
}

/** `info.response_metrics`, or null. */
function responseMetrics(record: Rec): unknown {
  const info = record.info;
  return isDict(info) ? (info.response_metrics ?? null) : null;
}

function tokenTimes(record: Rec): number[] {
  const rm = responseMetrics(record);
  const times = isDict(rm) ? rm.output_token_times : null;
  return Array.isArray(times) ? times.filter(isNumber) : [];
}

const errorOf = (record: Rec) => record.error ?? null;
const pct = (x: number) => `${Math.round(x * 100)}%`;

export const perRequestLifecycleValidator: ReportSetValidator = {
  name: "per_request",
  covers: (set) => (set.has(PER_REQUEST_FILENAME) ? [PER_REQUEST_FILENAME] : []),
  checks: [
    {
      name: "_check_structure",
      run(set) {
        const doc = set.get(PER_REQUEST_FILENAME);
        const contents = doc?.contents ?? null;
        if (contents === null) throw new StopValidation();
        if (!Array.isArray(contents)) {
          const type = pyTypeName(contents, typeof contents === "number" ? doc!.numberType([], contents) : "float");
          throw new StopValidation([error("per_request.structure", PER_REQUEST_FILENAME, `expected a JSON array of records, got ${type}`)]);
        }
        const malformed = contents.flatMap((r, i) => (isDict(r) ? [] : [i]));
        return aggregate("per_request.structure", "error", "are not JSON objects", malformed);
      },
    },
    {
      name: "_check_timestamps",
      run(set) {
        const bad = records(set).flatMap(([i, r]) => (isNumber(r.start_time) && isNumber(r.end_time) && r.end_time < r.start_time ? [i] : []));
        return aggregate("per_request.timestamps", "error", "have end_time before start_time", bad);
      },
    },
    {
      name: "_check_response_presence",
      run(set) {
        const bad = records(set).flatMap(([i, r]) => (errorOf(r) === null && responseMetrics(r) === null ? [i] : []));
        return aggregate("per_request.response_presence", "warning", "are successful but carry no response metrics", bad);
      },
    },
    {
      name: "_check_token_times",
      run(set) {
        const unordered: number[] = [];
        const outside: number[] = [];
        for (const [i, r] of records(set)) {
          const times = tokenTimes(r);
          if (times.length === 0) continue;
          if (times.some((t, k) => k > 0 && t < times[k - 1]!)) unordered.push(i);
          const { start_time: start, end_time: end } = r;
          if (isNumber(start) && isNumber(end) && (times[0]! < start || times[times.length - 1]! > end)) outside.push(i);
        }
        return [
          ...aggregate("per_request.token_times", "error", "have out-of-order output token timestamps", unordered),
          ...aggregate("per_request.token_times", "error", "have output token timestamps outside [start_time, end_time]", outside),
        ];
      },
    },
    {
      name: "_check_token_agreement",
      run(set) {
        const bad: number[] = [];
        for (const [i, r] of records(set)) {
          if (errorOf(r) !== null) continue;
          const rm = responseMetrics(r);
          if (!isDict(rm)) continue;
          const client = rm.output_tokens;
          const usage = rm.server_usage;
          const server = isDict(usage) ? usage.completion_tokens : null;
          if (!(isNumber(client) && client > 0 && isNumber(server) && server > 0)) continue;
          if (Math.abs(client - server) > TOKEN_AGREEMENT_REL_TOL * Math.max(client, server)) bad.push(i);
        }
        return aggregate(
          "per_request.token_agreement",
          "warning",
          `have client output_tokens diverging from server completion_tokens by more than ${pct(TOKEN_AGREEMENT_REL_TOL)} (reasoning-channel tokens can account for some divergence)`,
          bad,
        );
      },
    },
  ],
};
