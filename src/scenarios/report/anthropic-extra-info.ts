/**
 * `info.extra_info` of an api.type anthropic_messages request that succeeded, as inference-perf 0.7.0 keeps it
 * (apis/anthropic_messages.py `process_response`; openai_client.py pops `raw_response` off it): streamed,
 * `{output_message: {role: "assistant", content: <text>}, output_text}`; not streamed, `{stop_reason, output_message,
 * output_text}` with output_message null when the answer's `content` is not a list. Every other request's is `{}`.
 * (Tool-use answers would carry tool_calls in output_message; kneepoint's requests declare no tools.) Pure.
 */
import type { ScenarioRecord } from "../types.ts";

export function anthropicExtraInfo(rec: ScenarioRecord, streaming: boolean): Record<string, unknown> {
  const cap = rec.capture;
  if (!cap?.anthropic || rec.error?.reason === "http") return {};
  const text = cap.contentTexts.join("");
  if (streaming) return { output_message: { role: "assistant", content: text }, output_text: text };
  let answer: { stop_reason?: unknown; content?: unknown } = {};
  try {
    answer = JSON.parse(cap.body) as typeof answer;
  } catch {
    // not JSON: 0.7.0 fails the request (JSONDecodeError), whose extra_info is never written
  }
  return {
    stop_reason: answer.stop_reason ?? null,
    output_message: Array.isArray(answer.content) ? { role: "assistant", content: text } : null,
    output_text: text,
  };
}
