/**
 * inference-perf 0.7.0's validator of the BR0.2 partials `inference-perf.partial.stage_N.yaml`
 * (reportgen/br/v0_2/validation.py): schema, version "0.2.1", no null anywhere (a composer's deep merge must not
 * see one), distributions (no negative minimum anywhere), run.time.duration = end − start within 1 ms, and the
 * aggregate agreeing with the stage's lifecycle report.
 *
 * The schema check is a gate, not 0.7.0's: 0.7.0 validates the partial against the pydantic model
 * BenchmarkReportV021 (a 1,000-line vendored schema, every object `extra="forbid"`) and prints pydantic's error
 * text. Here only what makes the later checks meaningless is checked (a mapping with `run.uid` a string and
 * `results` a mapping), with a message of kneepoint's; the full schema is checked by 0.7.0 itself in
 * test/report-validation. Pure.
 */
import { pyNumber, pyRepr } from "./python-format.ts";
import { distributionFindings } from "./validation-distributions.ts";
import {
  approxEq,
  brPartialFiles,
  error,
  getPath,
  isDict,
  isNumber,
  partialFilename,
  show,
  sortedIds,
  stageLifecycleFiles,
  StopValidation,
  type Finding,
  type ReportDoc,
  type ReportSet,
  type ReportSetValidator,
} from "./validation-findings.ts";

export const BR_VERSION = "0.2.1";
const ISO_DURATION_RE = /^PT(\d+(?:\.\d+)?)S$/;
// run.time.duration is PT<seconds>S rounded to milliseconds: this covers that rounding and nothing else.
const DURATION_ABS_TOL = 1e-3;

// (path into the BR aggregate, path into the stage lifecycle file)
const AGREEMENT_PATHS: [string[], string[]][] = [
  [["requests", "total"], ["load_summary", "count"]],
  [["requests", "failures"], ["failures", "count"]],
  [["latency", "request_latency", "mean"], ["successes", "latency", "request_latency", "mean"]],
  [["latency", "request_latency", "min"], ["successes", "latency", "request_latency", "min"]],
  [["latency", "request_latency", "max"], ["successes", "latency", "request_latency", "max"]],
  [["latency", "request_latency", "p50"], ["successes", "latency", "request_latency", "median"]],
  [["latency", "time_to_first_token", "mean"], ["successes", "latency", "time_to_first_token", "mean"]],
  [["latency", "inter_token_latency", "mean"], ["successes", "latency", "inter_token_latency", "mean"]],
  [["latency", "normalized_time_per_output_token", "mean"], ["successes", "latency", "normalized_time_per_output_token", "mean"]],
  [["throughput", "request_rate", "mean"], ["successes", "throughput", "requests_per_sec"]],
  [["throughput", "input_token_rate", "mean"], ["successes", "throughput", "input_tokens_per_sec"]],
  [["throughput", "output_token_rate", "mean"], ["successes", "throughput", "output_tokens_per_sec"]],
  [["throughput", "total_token_rate", "mean"], ["successes", "throughput", "total_tokens_per_sec"]],
];

/** Why the partial cannot be a BenchmarkReportV021 at all, or null (see the module comment). */
function schemaProblem(contents: unknown): string | null {
  if (!isDict(contents)) return `expected a mapping, got ${contents === null ? "null" : Array.isArray(contents) ? "a list" : typeof contents}`;
  if (!isDict(contents.run)) return "run: a mapping is required";
  if (typeof contents.run.uid !== "string") return "run.uid: a string is required";
  if (!isDict(contents.results)) return "results: a mapping is required";
  if ("version" in contents && typeof contents.version !== "string") return "version: a string is required";
  return null;
}

function schemaValid(set: ReportSet): [number, ReportDoc][] {
  const partials = brPartialFiles(set);
  return sortedIds(partials)
    .map((id) => [id, partials.get(id)!] as [number, ReportDoc])
    .filter(([, doc]) => schemaProblem(doc.contents) === null);
}

/** Paths of every null, `<root>` for a null document (`_find_nulls`). */
export function findNulls(node: unknown, path = ""): string[] {
  if (node === null || node === undefined) return [path || "<root>"];
  if (Array.isArray(node)) return node.flatMap((item, i) => findNulls(item, `${path}[${i}]`));
  if (isDict(node)) return Object.entries(node).flatMap(([k, v]) => findNulls(v, path ? `${path}.${k}` : k));
  return [];
}

/** Epoch microseconds of an ISO-8601 timestamp (naive = UTC), as Python's datetime.fromisoformat; null if unusable. */
export function isoMicros(value: unknown): bigint | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", tz = "Z"] = m;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(base)) return null;
  let offsetS = 0;
  if (tz !== "Z") {
    const sign = tz.startsWith("-") ? -1 : 1;
    const digits = tz.slice(1).replace(/:/g, "");
    offsetS = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || "0") * 60 + Number(digits.slice(4, 6) || "0"));
  }
  const micros = BigInt(frac.padEnd(6, "0").slice(0, 6) || "0");
  return BigInt(base) * 1000n + micros - BigInt(offsetS) * 1_000_000n;
}

/** `(end - start).total_seconds()`, or null. */
function timestampSpan(start: unknown, end: unknown): number | null {
  const a = isoMicros(start);
  const b = isoMicros(end);
  return a === null || b === null ? null : Number(b - a) / 1e6;
}

export const brPartialValidator: ReportSetValidator = {
  name: "br_partial",
  covers: (set) => sortedIds(brPartialFiles(set)).map(partialFilename),
  checks: [
    {
      name: "_check_schema",
      run(set) {
        const partials = brPartialFiles(set);
        if (partials.size === 0) throw new StopValidation();
        return sortedIds(partials).flatMap((id) => {
          const problem = schemaProblem(partials.get(id)!.contents);
          return problem === null ? [] : [error("br_partial.schema", partialFilename(id), `does not validate as a BR ${BR_VERSION} document: ${problem}`)];
        });
      },
    },
    {
      name: "_check_version",
      run(set) {
        const partials = brPartialFiles(set);
        return sortedIds(partials).flatMap((id) => {
          const doc = partials.get(id)!;
          const version = getPath(doc.contents, "version");
          if (version === BR_VERSION) return [];
          const text = typeof version === "number" ? pyNumber(version, doc.numberType(["version"], version)) : pyRepr(version);
          return [error("br_partial.version", partialFilename(id), `declares version ${text}, expected ${pyRepr(BR_VERSION)}`)];
        });
      },
    },
    {
      name: "_check_nulls",
      run(set) {
        const partials = brPartialFiles(set);
        return sortedIds(partials).flatMap((id) => {
          const nulls = findNulls(partials.get(id)!.contents);
          if (nulls.length === 0) return [];
          return [error("br_partial.nulls", partialFilename(id), `${nulls.length} null value(s) would clobber composer data on merge: ${nulls.slice(0, 5).join(", ")}`)];
        });
      },
    },
    { name: "_check_distributions", run: (set) => schemaValid(set).flatMap(([id, doc]) => distributionFindings(partialFilename(id), doc, "br_partial.distributions", [])) },
    {
      name: "_check_run_time",
      run: (set) =>
        schemaValid(set).flatMap(([id, doc]) => {
          const time = getPath(doc.contents, "run", "time");
          if (!isDict(time)) return [];
          const m = typeof time.duration === "string" ? ISO_DURATION_RE.exec(time.duration) : null;
          const duration = m ? Number(m[1]) : null;
          const span = timestampSpan(time.start, time.end);
          if (duration === null || span === null || !(Math.abs(duration - span) > DURATION_ABS_TOL)) return [];
          const text = `run.time.duration (${pyNumber(duration, "float")}s) disagrees with its own start/end window (${pyNumber(span, "float")}s)`;
          return [error("br_partial.run_time", partialFilename(id), text)];
        }),
    },
    {
      name: "_check_lifecycle_agreement",
      run(set) {
        const stages = stageLifecycleFiles(set);
        const findings: Finding[] = [];
        for (const [id, doc] of schemaValid(set)) {
          const stage = stages.get(id);
          if (stage === undefined || !isDict(stage.contents)) continue;
          const aggregate = getPath(doc.contents, "results", "request_performance", "aggregate");
          if (!isDict(aggregate)) continue;
          for (const [brPath, stagePath] of AGREEMENT_PATHS) {
            const brValue = getPath(aggregate, ...brPath);
            const stageValue = getPath(stage.contents, ...stagePath);
            if (!(isNumber(brValue) && isNumber(stageValue)) || approxEq(brValue, stageValue)) continue;
            const brText = show(doc, ["results", "request_performance", "aggregate", ...brPath], brValue);
            findings.push(
              error(
                "br_partial.lifecycle_agreement",
                partialFilename(id),
                `aggregate.${brPath.join(".")} (${brText}) disagrees with the stage lifecycle ${stagePath.join(".")} (${show(stage, stagePath, stageValue)}) — the BR adapter and the native report math have drifted apart`,
              ),
            );
          }
        }
        return findings;
      },
    },
  ],
};
