/**
 * Per-request SLOs from request headers (inference-perf 0.7.0 `api.slo_unit`, `api.slo_ttft_header`,
 * `api.slo_tpot_header`; client/modelserver/openai_client.py, the end of `process_request`). 0.7.0 sends no header of
 * its own for them: it reads the thresholds from the headers the request carries — `api.headers` (the data types
 * kneepoint runs set no per-request headers) — under the names `slo_ttft_header` / `slo_tpot_header`, by default
 * `x-slo-ttft-<unit>` / `x-slo-tpot-<unit>` with `slo_unit` (default "ms"), matched without regard to case. A value
 * is converted to seconds by the unit (s 1, ms 0.001, us 0.000001; any other unit 1); "default" or a value that is
 * not a number sets none (0.7.0 logs a warning per request). The SLOs apply to streamed requests that got content
 * chunks, where they replace `report.goodput.constraints` ttft / tpot for that request (goodput-metrics.ts). Pure.
 */
import type { GoodputConstraints } from "./goodput-metrics.ts";

export interface SloHeaderConfig {
  headers: Record<string, string> | null;
  slo_unit: string | null;
  slo_ttft_header: string | null;
  slo_tpot_header: string | null;
}

const UNIT_TO_S: Record<string, number> = { s: 1, ms: 0.001, us: 0.000001 };

export interface SloHeaderLimits {
  /** Seconds; absent when the header is missing, "default" or not a number. */
  ttft?: number;
  tpot?: number;
  /** One line per value that is not a number (0.7.0: "Invalid TTFT SLO value: …"). */
  warnings: string[];
}

/** Python's float() of a string: surrounding whitespace, an exponent, inf/infinity/nan; null where it raises. */
function pythonFloat(raw: string): number | null {
  const text = raw.trim();
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : null;
}

export function sloHeaderLimits(api: SloHeaderConfig): SloHeaderLimits {
  const out: SloHeaderLimits = { warnings: [] };
  const headers = new Map(Object.entries(api.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  if (headers.size === 0) return out;
  const unit = api.slo_unit || "ms";
  const factor = UNIT_TO_S[unit.toLowerCase()] ?? 1;
  const read = (key: "ttft" | "tpot", name: string) => {
    const raw = headers.get(name.toLowerCase());
    if (raw === undefined || raw === "default") return;
    const value = pythonFloat(raw);
    if (value === null) {
      out.warnings.push(`api.headers ${name}: ${JSON.stringify(raw)} is not a number, so requests carry no ${key.toUpperCase()} SLO (inference-perf logs "Invalid ${key.toUpperCase()} SLO value")`);
      return;
    }
    out[key] = value * factor;
  };
  read("ttft", api.slo_ttft_header || `x-slo-ttft-${unit}`);
  read("tpot", api.slo_tpot_header || `x-slo-tpot-${unit}`);
  return out;
}

/** The (lower-cased) names of the two SLO headers, defaults included. */
export function sloHeaderNames(api: Omit<SloHeaderConfig, "headers">): string[] {
  const unit = api.slo_unit || "ms";
  return [api.slo_ttft_header || `x-slo-ttft-${unit}`, api.slo_tpot_header || `x-slo-tpot-${unit}`].map((n) => n.toLowerCase());
}

/** report.goodput.constraints with the header SLOs added (null when there are neither). */
export function goodputWithSloHeaders(constraints: GoodputConstraints | null, limits: SloHeaderLimits): GoodputConstraints | null {
  const slo = { ...(limits.ttft !== undefined ? { ttft: limits.ttft } : {}), ...(limits.tpot !== undefined ? { tpot: limits.tpot } : {}) };
  if (Object.keys(slo).length === 0) return constraints;
  return { ...(constraints ?? {}), slo_headers: slo };
}
