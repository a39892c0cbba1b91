/**
 * inference-perf 0.7.0's two circuit-breaker triggers (circuit_breaker/triggers/consecutive.py:27-33 and
 * rate_over_window.py:32-46), as pure state machines fed one hit sample (hit 0 or 1, at a time) per watched request:
 *   consecutive       c = hit ? c + 1 : 0; fired once c ≥ threshold.
 *   rate_over_window  append the sample, drop samples older than now − window (strictly older: `ts < cutoff`);
 *                     when the window holds ≥ min_samples samples, fired once hits / samples ≥ threshold. With
 *                     min_samples 0 and threshold 0 the first sample fires it; with threshold 0, a miss fires too.
 * Once fired a trigger stays fired (0.7.0 never resets a breaker during a run).
 */
import type { TriggerConfig } from "../config/circuit-breaker-schema.ts";

export interface HitSample {
  /** Time of the sample, ms (0.7.0 takes datetime.now() when the breaker is fed). */
  atMs: number;
  hit: 0 | 1;
}

export interface Trigger {
  config: TriggerConfig;
  update(s: HitSample): void;
  fired(): boolean;
  /** What the trigger saw when it fired, for the report: e.g. "5 consecutive hits" or "3/4 hits in 10 s". */
  detail(): string;
}

export function createTrigger(config: TriggerConfig): Trigger {
  if (config.type === "consecutive") {
    let c = 0;
    let fired = false;
    return {
      config,
      update(s) {
        c = s.hit ? c + 1 : 0;
        if (c >= config.threshold) fired = true;
      },
      fired: () => fired,
      detail: () => `${c} consecutive hit(s) ≥ threshold ${config.threshold}`,
    };
  }
  const windowMs = config.window_sec * 1000;
  const buf: HitSample[] = [];
  let fired = false;
  let seen = "";
  return {
    config,
    update(s) {
      buf.push(s);
      const cutoff = s.atMs - windowMs;
      while (buf.length > 0 && buf[0]!.atMs < cutoff) buf.shift();
      const total = buf.length;
      if (total >= config.min_samples) {
        const hits = buf.reduce((n, x) => n + x.hit, 0);
        const rate = total ? hits / total : 0;
        if (rate >= config.threshold && !fired) {
          fired = true;
          seen = `${hits}/${total} hits in the last ${config.window_sec} s (rate ${rate.toFixed(3)} ≥ threshold ${config.threshold}${config.min_samples ? `, min_samples ${config.min_samples}` : ""})`;
        }
      }
    },
    fired: () => fired,
    detail: () => seen,
  };
}
