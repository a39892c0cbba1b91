/**
 * Parity with the real inference-perf: each config of parity-cases.ts runs through inference-perf 0.7.0 (the newest
 * release, whose report shape kneepoint follows) and through `kneepoint run -c`, each against its own fresh
 * simulator in deterministic mode, and the two report directories are compared: (a) the same inference-perf files,
 * (b) the same key paths in the same order with the same Python JSON types, the per-request file included,
 * (c) the same request, success and failure counts (and token counts per request), (d) latency distributions
 * within the tolerances of latency-diff.ts, (e) inference-perf's own --analyze (0.7.0 and 0.2.0) draws its charts
 * from kneepoint's directory. inference-perf 0.2.0 runs two of the configs too: what it writes differently from
 * 0.7.0 is printed (releases differ; kneepoint follows 0.7.0), not asserted.
 *
 * Every finding names the file, the key path and both values. The full list is printed and written to
 * $TMPDIR/kneepoint-parity-report.txt. Prometheus report files are left out (another test's; no Prometheus here).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INFERENCE_PERF_NEWEST, INFERENCE_PERF_OLDEST } from "../real-peers/pins.ts";
import { skipReason } from "../real-peers/peers.ts";
import { allowedBy } from "./allow-list.ts";
import { compareReportDirs, type ParityFindings } from "./compare-report-dirs.ts";
import { formatShapeDifferences } from "./format-findings.ts";
import { writeHfCacheStandIn } from "./hf-cache-stand-in.ts";
import { formatStatComparison } from "./latency-diff.ts";
import { PARITY_CASES, type ParityCase } from "./parity-cases.ts";
import { readReportDir } from "./report-dir.ts";
import { runAnalyze, type AnalyzeResult } from "./run-analyze.ts";
import { tail } from "./run-child.ts";
import { runParityCase, TINY_TOKENIZER_DIR, type CaseRun } from "./run-parity-case.ts";

/** The simulator's served model name: inference-perf loads it as its tokenizer when a config has none. */
const SIM_MODEL = "meta-llama/Llama-3.1-8B-Instruct";
const REPORT_FILE = join(tmpdir(), "kneepoint-parity-report.txt");

interface CaseResult {
  run?: CaseRun;
  error?: Error;
  findings?: ParityFindings;
  /** 0.2.0's directory against 0.7.0's: what changed between the releases. */
  releaseFindings?: ParityFindings;
  analyze?: { newest: { ip: string[]; kp: string[] }; oldest?: { ip: string[]; kp: string[] } };
}

const skip = skipReason(INFERENCE_PERF_NEWEST, INFERENCE_PERF_OLDEST);
const results = new Map<string, CaseResult>();
const analyzeRuns: { label: string; result: AnalyzeResult }[] = [];
let startedMs = 0;

function shapeLines(findings: ParityFindings, withAllowList: boolean): { failing: string[]; allowed: string[] } {
  const failing: string[] = [];
  const allowed: string[] = [];
  for (const { document, findings: diffs } of findings.shapes) {
    const open = withAllowList ? diffs.filter((d) => !allowedBy(document, d)) : diffs;
    for (const line of formatShapeDifferences(open)) failing.push(`${document}: ${line}`);
    if (withAllowList) for (const d of diffs) {
      const entry = allowedBy(document, d);
      if (entry) allowed.push(`${document}: ${d.path} (allowed: ${entry.name}, ${entry.documentedIn})`);
    }
  }
  return { failing, allowed };
}

const fileLines = (f: ParityFindings) => [
  ...f.files.missing.map((n) => `missing in kneepoint: ${n}`),
  ...f.files.extraMatchingGlobs.map((e) => `kneepoint writes ${e.name}, which inference-perf's glob ${e.glob} picks up`),
  ...f.unreadable,
];
const countLines = (f: ParityFindings) => f.counts.flatMap((c) => c.findings.map((d) => `${c.document}: ${d.field} inference-perf ${d.ip}, kneepoint ${d.kp}`));
const tokenLines = (f: ParityFindings) => f.tokens.map((t) => `per_request_lifecycle_metrics.json successes' ${t.field}: inference-perf ${t.ip}, kneepoint ${t.kp}`);
const latencyLines = (f: ParityFindings, tier: "central" | "sanity", onlyFailing = true) =>
  f.latencies.flatMap((l) => l.findings.filter((s) => s.tier === tier && (!onlyFailing || !s.ok)).map((s) => `${l.document}: ${formatStatComparison(s)}`));

function caseReport(c: ParityCase, r: CaseResult): string[] {
  const out = [`## ${c.name}: ${c.covers}`];
  if (r.error) return [...out, `ERROR ${r.error.message}`];
  const f = r.findings!;
  const section = (title: string, lines: string[]) => out.push(`### ${title} (${lines.length})`, ...lines.map((l) => `  ${l}`));
  section("(a) files", fileLines(f));
  section("    kneepoint's own files (outside inference-perf's globs)", f.files.ownFiles);
  const shapes = shapeLines(f, true);
  section("(b) shape", shapes.failing);
  section("    allowed", shapes.allowed);
  section("(c) counts", [...countLines(f), ...tokenLines(f)]);
  section("(d) latency, central stats outside max(2 ms, 2 %) (+1.5 ms when kneepoint is the lower)", latencyLines(f, "central"));
  section("(d) latency, stats outside the sanity bound", latencyLines(f, "sanity"));
  section("(d) latency, every stat (measured)", latencyLines(f, "central", false).concat(latencyLines(f, "sanity", false)));
  if (r.analyze) {
    section("(e) analyze 0.7.0: PNGs from inference-perf's dir / kneepoint's dir", [r.analyze.newest.ip.join(" "), r.analyze.newest.kp.join(" ")]);
    if (r.analyze.oldest) section("(e) analyze 0.2.0: PNGs from inference-perf's dir / kneepoint's dir", [r.analyze.oldest.ip.join(" "), r.analyze.oldest.kp.join(" ")]);
  }
  if (r.releaseFindings) {
    const rf = r.releaseFindings;
    section("inference-perf 0.2.0 against 0.7.0 (release differences; 'kneepoint' below = 0.2.0)", [
      ...fileLines(rf),
      ...shapeLines(rf, false).failing,
      ...countLines(rf),
      ...tokenLines(rf),
    ]);
  }
  return out;
}

describe.skipIf(skip)("parity with the real inference-perf", () => {
  beforeAll(async () => {
    startedMs = performance.now();
    const hfHome = mkdtempSync(join(tmpdir(), "kp-parity-hf-"));
    writeHfCacheStandIn(hfHome, SIM_MODEL, TINY_TOKENIZER_DIR);
    const env = { HF_HOME: hfHome, HF_HUB_OFFLINE: "1", KNEEPOINT_CACHE_DIR: mkdtempSync(join(tmpdir(), "kp-parity-cache-")) };
    for (const c of PARITY_CASES) {
      try {
        const run = await runParityCase(c, env);
        const ip = readReportDir(run.runs["inference-perf-0.7.0"]!.reportDir);
        const kp = readReportDir(run.runs.kneepoint!.reportDir);
        results.set(c.name, { run, findings: compareReportDirs(ip, kp) });
      } catch (err) {
        results.set(c.name, { error: err as Error });
      }
    }
    // After the timed runs, which must not share the 2 cores: the 0.2.0 runs (whose files are compared by shape, never
    // by latency) beside 0.7.0's --analyze of both tools' directories.
    const ran = [...results.entries()].filter(([, r]) => r.run);
    const dirOf = (r: CaseResult, tool: "inference-perf-0.7.0" | "inference-perf-0.2.0" | "kneepoint") => r.run!.runs[tool]!.reportDir;
    const env2 = { ...process.env, ...env };
    const oldestRuns = Promise.all(
      ran
        .filter(([, r]) => r.run!.parityCase.alsoOldest)
        .map(async ([name, r]) => {
          try {
            const oldest = (await runParityCase(r.run!.parityCase, env, ["inference-perf-0.2.0"])).runs["inference-perf-0.2.0"]!;
            r.run!.runs["inference-perf-0.2.0"] = oldest;
            r.releaseFindings = compareReportDirs(readReportDir(dirOf(r, "inference-perf-0.7.0")), readReportDir(oldest.reportDir));
          } catch (err) {
            results.set(name, { ...r, error: err as Error });
          }
        }),
    );
    const [newestIp, newestKp] = await Promise.all([
      runAnalyze("0.7.0", ran.map(([, r]) => dirOf(r, "inference-perf-0.7.0")), env2),
      runAnalyze("0.7.0", ran.map(([, r]) => dirOf(r, "kneepoint")), env2),
    ]);
    analyzeRuns.push({ label: "0.7.0 --analyze, inference-perf's dirs", result: newestIp }, { label: "0.7.0 --analyze, kneepoint's dirs", result: newestKp });
    ran.forEach(([, r], i) => (r.analyze = { newest: { ip: newestIp.pngs[i]!, kp: newestKp.pngs[i]! } }));
    await oldestRuns;
    const withOldest = ran.filter(([, r]) => r.run!.runs["inference-perf-0.2.0"]);
    const oldestAnalyzed = await Promise.all(
      withOldest.map(([, r]) => Promise.all([runAnalyze("0.2.0", [dirOf(r, "inference-perf-0.2.0")], env2), runAnalyze("0.2.0", [dirOf(r, "kneepoint")], env2)])),
    );
    withOldest.forEach(([name, r], i) => {
      const [ip, kp] = oldestAnalyzed[i]!;
      analyzeRuns.push({ label: `0.2.0 -a ${name}, inference-perf 0.2.0's dir`, result: ip }, { label: `0.2.0 -a ${name}, kneepoint's dir`, result: kp });
      r.analyze!.oldest = { ip: ip.pngs[0]!, kp: kp.pngs[0]! };
    });
  }, 400_000);

  afterAll(() => {
    const lines = [`# kneepoint run vs inference-perf ${INFERENCE_PERF_NEWEST} (and ${INFERENCE_PERF_OLDEST}): parity findings`];
    for (const c of PARITY_CASES) {
      const r = results.get(c.name);
      if (r) lines.push("", ...caseReport(c, r));
    }
    lines.push("", "## --analyze runs");
    for (const a of analyzeRuns) lines.push(`${a.label}: exit ${a.result.run.code}, ${Math.round(a.result.run.durationMs)} ms`, ...a.result.complaints.map((l) => `  ${l}`));
    lines.push("", `parity runs took ${Math.round((performance.now() - startedMs) / 1000)} s`);
    writeFileSync(REPORT_FILE, lines.join("\n") + "\n");
    console.log(`${lines.join("\n")}\n(written to ${REPORT_FILE})`);
  });

  for (const c of PARITY_CASES) {
    describe(`${c.name}: ${c.covers}`, () => {
      const findings = (): ParityFindings => {
        const r = results.get(c.name);
        if (!r || r.error) throw r?.error ?? new Error(`parity case ${c.name} did not run`);
        return r.findings!;
      };

      it("(a) kneepoint writes inference-perf's files, and none of its own under inference-perf's names", () => {
        expect(fileLines(findings())).toEqual([]);
      });

      it("(b) the same key paths, in the same order, with the same Python JSON types (per-request file included)", () => {
        expect(shapeLines(findings(), true).failing).toEqual([]);
      });

      it("(c) the same request, success and failure counts, and the same tokens per request", () => {
        expect([...countLines(findings()), ...tokenLines(findings())]).toEqual([]);
      });

      it("(d) latency p25 and median within max(2 ms, 2 %), +1.5 ms when kneepoint is the lower; every other stat within the sanity bound", () => {
        expect([...latencyLines(findings(), "central"), ...latencyLines(findings(), "sanity")]).toEqual([]);
      });

      it("(e) inference-perf's --analyze draws from kneepoint's directory the charts it draws from its own", () => {
        findings();
        const a = results.get(c.name)!.analyze!;
        expect(a.newest.kp, "0.7.0 --analyze").toEqual(a.newest.ip);
        expect(a.newest.kp.length).toBeGreaterThan(0);
        if (a.oldest) expect(a.oldest.kp, "0.2.0 -a").toEqual(a.oldest.ip);
      });
    });
  }

  it("--analyze runs without errors on kneepoint's directories", () => {
    const onKneepoint = analyzeRuns.filter((a) => a.label.includes("kneepoint"));
    expect(onKneepoint.length).toBeGreaterThan(0);
    for (const a of onKneepoint) {
      expect(a.result.run.code, `${a.label}: ${tail(a.result.run.stderr)}`).toBe(0);
      expect(a.result.complaints.filter((l) => /ERROR|Traceback|Skipping/.test(l)), a.label).toEqual([]);
    }
  });

  it("inference-perf 0.2.0 ran and wrote its lifecycle reports (what changed since is in the printed report)", () => {
    for (const c of PARITY_CASES.filter((c) => c.alsoOldest)) {
      const r = results.get(c.name);
      if (r?.error) throw r.error;
      const files = readReportDir(r!.run!.runs["inference-perf-0.2.0"]!.reportDir).files;
      expect(files).toContain("summary_lifecycle_metrics.json");
      expect(files).toContain("stage_0_lifecycle_metrics.json");
    }
  });
});
