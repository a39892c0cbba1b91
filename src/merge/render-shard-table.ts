/**
 * The per-shard table `kneepoint merge` prints under the merged results: one row per step and shard, so a load
 * process that was CPU-bound (client CPU near 100 % of a core), late to send (schedule delay) or late to start
 * (start skew) stands out. Pure: returns the text.
 */
import Table from "cli-table3";
import { ABSENT } from "../report/step-rows.ts";
import { sweepStepLabel, type ShardStepRow, type StepLabel } from "./shard-step-rows.ts";

const ms = (v: number | null): string => (v === null || !Number.isFinite(v) ? ABSENT : v >= 100 ? v.toFixed(0) : v.toFixed(1));

function cells(r: ShardStepRow, label: StepLabel): string[] {
  const head = [String(r.shard), label(r.step)];
  if (r.share === 0) return [...head, "0 (no share)", ABSENT, ABSENT, ABSENT, ABSENT, ABSENT];
  if (!r.measured) return [...head, "no state", ABSENT, ABSENT, ABSENT, ABSENT, ABSENT];
  return [
    ...head,
    `${r.requests ?? ABSENT}${r.partial ? "*" : ""}`,
    r.clientCpuPct === null ? ABSENT : `${r.clientCpuPct.toFixed(0)}%`,
    ms(r.scheduleDelayP50Ms),
    ms(r.scheduleDelayP99Ms),
    ms(r.startSkewMs),
    ms(r.endSkewMs),
  ];
}

export function renderShardTable(rows: readonly ShardStepRow[], opts: { color: boolean; stepLabel?: StepLabel }): string {
  const label = opts.stepLabel ?? sweepStepLabel;
  const head = ["shard", "step", "requests", "client CPU", "sched p50", "sched p99", "start skew", "end skew"];
  const table = new Table({
    head,
    style: opts.color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    colAligns: head.map(() => "right" as const),
  });
  const sorted = [...rows].sort((a, b) => a.step - b.step || a.shard - b.shard);
  for (const r of sorted) table.push(cells(r, label));
  const notes = [
    "client CPU: the shard process's CPU time over its step window (100% = one core busy)",
    "sched: schedule delay (send − when the request was due) in ms",
    "skew: ms after the step's first shard start / before its last shard end",
  ];
  if (rows.some((r) => r.partial && r.measured)) notes.push("* the shard's step stopped early (partial)");
  if (rows.some((r) => r.share > 0 && !r.measured)) notes.push("no state: the shard had a share of the step but saved no result for it");
  return table.toString() + "\n" + notes.join("; ");
}
