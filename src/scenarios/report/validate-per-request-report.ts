/**
 * inference-perf 0.7.0's validator of per_request_lifecycle_metrics.json (reportgen/per_request/validation.py):
 * per-record invariants (end ≥ start, a success carries response metrics, token times in order and inside the
 * request, client and server output counts within 25 %), one finding per rule with a count and up to five
 * record indices (per-request-digest.ts finds them, one record at a time). The file's contents may be the entries,
 * or, for a run that streamed the file, the PerRequestDigest gathered while it was written. Pure.
 */
import { PerRequestDigest, TOKEN_AGREEMENT_REL_TOL, type RuleTally } from "./per-request-digest.ts";
import { pyTypeName } from "./python-format.ts";
import { error, PER_REQUEST_FILENAME, StopValidation, type Finding, type ReportSet, type ReportSetValidator, type Severity } from "./validation-findings.ts";

function aggregate(check: string, severity: Severity, description: string, tally: RuleTally): Finding[] {
  if (tally.count === 0) return [];
  const sample = tally.first.join(", ");
  const suffix = ` (record indices: ${sample}${tally.count > tally.first.length ? ", …" : ""})`;
  return [{ check, severity, message: `${tally.count} record(s) ${description}${suffix}`, report: PER_REQUEST_FILENAME }];
}

const digests = new WeakMap<object, PerRequestDigest>();

/** The digest of the set's per-request file (computed once per entries array). */
export function perRequestDigestOf(set: ReportSet): PerRequestDigest | null {
  const contents = set.get(PER_REQUEST_FILENAME)?.contents ?? null;
  if (contents instanceof PerRequestDigest) return contents;
  if (!Array.isArray(contents)) return null;
  let d = digests.get(contents);
  if (d === undefined) digests.set(contents, (d = PerRequestDigest.of(contents)));
  return d;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const tallies = (set: ReportSet) => perRequestDigestOf(set)!.broken;

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
        if (!Array.isArray(contents) && !(contents instanceof PerRequestDigest)) {
          const type = pyTypeName(contents, typeof contents === "number" ? doc!.numberType([], contents) : "float");
          throw new StopValidation([error("per_request.structure", PER_REQUEST_FILENAME, `expected a JSON array of records, got ${type}`)]);
        }
        return aggregate("per_request.structure", "error", "are not JSON objects", tallies(set).structure);
      },
    },
    {
      name: "_check_timestamps",
      run: (set) => aggregate("per_request.timestamps", "error", "have end_time before start_time", tallies(set).timestamps),
    },
    {
      name: "_check_response_presence",
      run: (set) => aggregate("per_request.response_presence", "warning", "are successful but carry no response metrics", tallies(set).response_presence),
    },
    {
      name: "_check_token_times",
      run: (set) => [
        ...aggregate("per_request.token_times", "error", "have out-of-order output token timestamps", tallies(set).unordered),
        ...aggregate("per_request.token_times", "error", "have output token timestamps outside [start_time, end_time]", tallies(set).outside),
      ],
    },
    {
      name: "_check_token_agreement",
      run: (set) =>
        aggregate(
          "per_request.token_agreement",
          "warning",
          `have client output_tokens diverging from server completion_tokens by more than ${pct(TOKEN_AGREEMENT_REL_TOL)} (reasoning-channel tokens can account for some divergence)`,
          tallies(set).agreement,
        ),
    },
  ],
};
