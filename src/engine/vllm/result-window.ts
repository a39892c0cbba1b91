/**
 * The wall-clock window of one `vllm bench serve` run, which kneepoint needs to read server metrics over it.
 * vLLM's JSON has no wall-clock start: `start_times` are perf_counter readings with an arbitrary epoch. Its
 * `date` is `datetime.now()` formatted `%Y%m%d-%H%M%S` in the vLLM process's local time, taken after the
 * run (after the metrics were computed and printed), truncated to the second.
 */

/** Where the window came from: measured by the runner, or approximated from vLLM's `date`. */
export interface ResultWindowContext {
  /** Wall-clock epoch ms when the step's run started / ended, as the runner measured them. */
  startedAtMs?: number;
  endedAtMs?: number;
  /**
   * The UTC offset of the clock that wrote `date`, in minutes east of UTC (the vLLM container's TZ).
   * Default 0: containers run in UTC unless TZ is set.
   */
  dateUtcOffsetMinutes?: number;
}

export interface ResultWindow {
  started_at_ms?: number;
  ended_at_ms?: number;
  warnings: string[];
}

/** How far the window derived from `date` is widened on each side, ms (see resultWindow). */
export const DATE_WINDOW_MARGIN_MS = 1000;

/**
 * The run's window. With both ctx times: those. With one: the other is that time ± `duration`. With neither:
 * from `date`. `date` names the second in which vLLM finished printing: the run ended at most a few hundred ms
 * before it, and the truncation hides up to 1 s after it. So the window is
 * [date − duration − 1 s, date + 1 s]: it holds the whole run, with up to about 2 s of idle time around it.
 * Without any of these there is no window, and the result says so.
 */
export function resultWindow(date: string | undefined, durationS: number, ctx: ResultWindowContext): ResultWindow {
  const durationMs = durationS * 1000;
  const started = finite(ctx.startedAtMs);
  const ended = finite(ctx.endedAtMs);
  if (started !== undefined && ended !== undefined) return { started_at_ms: started, ended_at_ms: ended, warnings: [] };
  if (started !== undefined) {
    return { started_at_ms: started, ended_at_ms: started + durationMs, warnings: ["window end = measured start + vLLM's duration"] };
  }
  if (ended !== undefined) {
    return { started_at_ms: ended - durationMs, ended_at_ms: ended, warnings: ["window start = measured end − vLLM's duration"] };
  }
  const offset = ctx.dateUtcOffsetMinutes ?? 0;
  if (date === undefined) {
    return { warnings: ["no wall-clock window: vLLM's result has no `date` and the runner measured none; server metrics cannot be read for this step"] };
  }
  const dateMs = parseResultDate(date, offset);
  if (dateMs === null) {
    return { warnings: [`no wall-clock window: \`date\` "${date}" is not vLLM's YYYYMMDD-HHMMSS; server metrics cannot be read for this step`] };
  }
  return {
    started_at_ms: dateMs - durationMs - DATE_WINDOW_MARGIN_MS,
    ended_at_ms: dateMs + DATE_WINDOW_MARGIN_MS,
    warnings: [
      `approximate window: derived from vLLM's \`date\` ${date} (local time of the vLLM container, read as ${utcLabel(offset)}) ` +
        `minus duration ${durationS.toFixed(3)} s, widened by ${DATE_WINDOW_MARGIN_MS / 1000} s on each side`,
    ],
  };
}

/**
 * Epoch ms of vLLM's `date` (`YYYYMMDD-HHMMSS`), read in a zone `utcOffsetMinutes` east of UTC; null when
 * the text is not such a date. The inverse of formatResultDate (summarize-step.ts) for offset 0.
 */
export function parseResultDate(date: string, utcOffsetMinutes = 0): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(date);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls over out-of-range fields (month 13, second 61): such a text is not a date.
  const valid =
    back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d &&
    back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return valid ? ms - utcOffsetMinutes * 60_000 : null;
}

function utcLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return "UTC";
  const sign = offsetMinutes > 0 ? "+" : "−";
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${Math.floor(abs / 60)}${abs % 60 === 0 ? "" : `:${String(abs % 60).padStart(2, "0")}`}`;
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}
