/**
 * `{timestamp}` in storage paths, as inference-perf replaces it: `%Y%m%d-%H%M%S` of the local time at which
 * the config is read (research/inference-perf.md §1). The clock comes in as a parameter.
 */
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Local time as `YYYYmmdd-HHMMSS`. */
export function formatTimestamp(date: Date): string {
  return (
    `${pad(date.getFullYear(), 4)}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

export function substituteTimestamp(path: string, date: Date): string {
  return path.split("{timestamp}").join(formatTimestamp(date));
}
