/**
 * Warnings for the api keys that read or send headers, where inference-perf 0.7.0 accepts a config that then does
 * nothing, silently: SLO header keys whose header is not in `api.headers` (0.7.0 reads the SLOs from the request's
 * headers and sends none of its own), an SLO value that is not a number, and session header keys with data that
 * has no sessions (0.7.0 sends the headers only for requests of a session); and `api.response_format` with
 * `api.type: anthropic_messages` (0.7.0 sends it only to the OpenAI APIs). Checked on the raw document.
 */
import { sloHeaderLimits } from "../report/slo-headers.ts";

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Data types whose requests belong to sessions in 0.7.0 (shared_prefix only with enable_multi_turn_chat). */
function hasSessions(data: Record<string, unknown>): boolean {
  const sp = data.shared_prefix;
  if (data.type === "shared_prefix" && isObject(sp) && sp.enable_multi_turn_chat === true) return true;
  return data.type === "conversation_replay" || data.type === "otel_trace_replay" || data.type === "weka_trace_replay" || data.type === "synthetic_agentic";
}

export function apiKeyWarnings(doc: unknown): string[] {
  const api = isObject(doc) && isObject(doc.api) ? doc.api : null;
  if (api === null) return [];
  const warnings: string[] = [];
  const headers = isObject(api.headers) ? Object.fromEntries(Object.entries(api.headers).map(([k, v]) => [k, String(v)])) : null;
  const sloConfig = { headers, slo_unit: str(api.slo_unit), slo_ttft_header: str(api.slo_ttft_header), slo_tpot_header: str(api.slo_tpot_header) };
  if (sloConfig.slo_unit !== null || sloConfig.slo_ttft_header !== null || sloConfig.slo_tpot_header !== null) {
    const limits = sloHeaderLimits(sloConfig);
    warnings.push(...limits.warnings);
    if (limits.ttft === undefined && limits.tpot === undefined && limits.warnings.length === 0) {
      const unit = sloConfig.slo_unit || "ms";
      const names = [sloConfig.slo_ttft_header || `x-slo-ttft-${unit}`, sloConfig.slo_tpot_header || `x-slo-tpot-${unit}`];
      warnings.push(
        `api.slo_*: neither ${names.join(" nor ")} is in api.headers, so no request carries an SLO (inference-perf reads per-request SLOs from the request headers and sends none itself): add e.g. api.headers.${names[0]}: "500"`,
      );
    }
  }
  const data = isObject(doc) && isObject((doc as Record<string, unknown>).data) ? ((doc as Record<string, unknown>).data as Record<string, unknown>) : { type: "random" };
  if (api.type === "anthropic_messages" && isObject(api.response_format)) {
    warnings.push("api.response_format is not sent with api.type anthropic_messages (as in inference-perf, which adds it only to completion and chat bodies)");
  }
  for (const key of ["session_id_header_key", "session_token_header_key"]) {
    if (str(api[key]) !== null && !hasSessions(data)) {
      warnings.push(`api.${key}: no request of data.type ${String(data.type ?? "random")} belongs to a session, so the header is never sent (as in inference-perf)`);
    }
  }
  return warnings;
}
