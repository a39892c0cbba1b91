/**
 * The rows of seed 004's two tables for several runs: "Summary across QPS" (one row per run, from its
 * summary file) and "Per-QPS Results" (one section per requested rate, one row per run's stage at that rate;
 * closed-loop stages get a section per concurrency). Rows are ordered best TTFT p90 first, as in the seed;
 * a row without a TTFT p90 goes last, and ties keep the order the runs were given. Pure.
 */
import { distStat, type LabelledRun, type LifecycleMetrics } from "./scenario-report.ts";

export interface CompareRow {
  /** The run's label, with " (stage N)" when the run has several stages in one section. */
  experiment: string;
  /** The run's label alone. */
  run: string;
  /** Null when the run has no summary file (summary table only). */
  metrics: LifecycleMetrics | null;
}

export type SectionKey = { kind: "rate"; rps: number } | { kind: "concurrency"; concurrency: number } | { kind: "stage"; index: number };

export interface CompareSection {
  key: SectionKey;
  /** "QPS = 3.0", "Concurrency = 8", "Stage 2" (a stage with neither a rate nor a concurrency). */
  title: string;
  rows: CompareRow[];
}

/** A rate as a heading shows it: one decimal at least (3 → "3.0"), more only when the rate has them (0.25). */
export function formatRate(rps: number): string {
  return Number.isInteger(rps) ? rps.toFixed(1) : String(Number(rps.toPrecision(6)));
}

const ttftP90 = (r: CompareRow): number | null => distStat(r.metrics?.latencyS.ttft, "p90");

export function byTtftP90(rows: readonly CompareRow[]): CompareRow[] {
  return rows
    .map((row, i) => ({ row, i, v: ttftP90(row) }))
    .sort((a, b) => (a.v === null ? (b.v === null ? a.i - b.i : 1) : b.v === null ? -1 : a.v - b.v || a.i - b.i))
    .map((x) => x.row);
}

export function summaryRows(runs: readonly LabelledRun[]): CompareRow[] {
  return byTtftP90(runs.map((r) => ({ experiment: r.label, run: r.label, metrics: r.report.summary })));
}

function sectionKey(m: LifecycleMetrics, stageIndex: number): SectionKey {
  if (m.load.requestedRateRps !== null) return { kind: "rate", rps: m.load.requestedRateRps };
  if (m.load.concurrency !== null) return { kind: "concurrency", concurrency: m.load.concurrency };
  return { kind: "stage", index: stageIndex };
}

function keyId(k: SectionKey): string {
  if (k.kind === "rate") return `r${Number(k.rps.toPrecision(9))}`;
  return k.kind === "concurrency" ? `c${k.concurrency}` : `s${k.index}`;
}

function title(k: SectionKey): string {
  if (k.kind === "rate") return `QPS = ${formatRate(k.rps)}`;
  return k.kind === "concurrency" ? `Concurrency = ${k.concurrency}` : `Stage ${k.index}`;
}

const KIND_ORDER = { rate: 0, concurrency: 1, stage: 2 } as const;
const keyValue = (k: SectionKey): number => (k.kind === "rate" ? k.rps : k.kind === "concurrency" ? k.concurrency : k.index);

export function perRateSections(runs: readonly LabelledRun[]): CompareSection[] {
  const sections = new Map<string, { key: SectionKey; entries: Array<{ run: string; index: number; metrics: LifecycleMetrics }> }>();
  for (const r of runs) {
    for (const stage of r.report.stages) {
      const key = sectionKey(stage.lifecycle, stage.index);
      const id = keyId(key);
      const section = sections.get(id) ?? { key, entries: [] };
      section.entries.push({ run: r.label, index: stage.index, metrics: stage.lifecycle });
      sections.set(id, section);
    }
  }
  return [...sections.values()]
    .sort((a, b) => KIND_ORDER[a.key.kind] - KIND_ORDER[b.key.kind] || keyValue(a.key) - keyValue(b.key))
    .map(({ key, entries }) => {
      const repeated = new Set(entries.filter((e, i) => entries.findIndex((o) => o.run === e.run) !== i).map((e) => e.run));
      const rows = entries.map((e) => ({ experiment: repeated.has(e.run) ? `${e.run} (stage ${e.index})` : e.run, run: e.run, metrics: e.metrics }));
      return { key, title: title(key), rows: byTtftP90(rows) };
    });
}
