/**
 * The capacity Job's log as the runner's progress: one line per probe, printed when its block has arrived
 * (capacity-log.ts); the blocks themselves and the pod's own per-probe progress lines are not echoed, every other
 * line is (the script's, the search's notes and warnings, an error and its hint).
 */
import { matchMarkerLine } from "../engine/vllm/result-markers.ts";
import { DOCUMENT_MARKERS, PROBE_MARKERS, readCapacityLog } from "../capacity/capacity-log.ts";
import { probeEndSummary, probeStartLabel } from "./capacity-print.ts";

/** The pod's progress lines start with the probe's label and two spaces (progress.ts, probeStartLabel). */
const POD_PROGRESS = /^(?:rate \S+ req\/s|c=\d+)(?: \(repeat [^)]*\))? {2}/;

export function createCapacityLogProgress(say: (line: string) => void): (line: string) => void {
  let block: string[] | null = null;
  return (line) => {
    const marker = matchMarkerLine(line, PROBE_MARKERS);
    if (marker?.edge === "begin") block = [];
    if (block) {
      block.push(line);
      if (marker?.edge !== "end") return;
      const logged = readCapacityLog(block.join("\n")).probes[0];
      block = null;
      if (logged) say(`  probe #${logged.probe.index} ${probeStartLabel(logged.probe.axis, logged.probe.level, logged.probe.attempt)}: ${probeEndSummary(logged.probe)}`);
      return;
    }
    if (line.trim() === "" || matchMarkerLine(line, DOCUMENT_MARKERS) || /^\s*[{[]/.test(line) || POD_PROGRESS.test(line)) return;
    say(`  │ ${line}`);
  };
}
