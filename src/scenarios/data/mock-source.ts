/** inference-perf's `mock` data: prompts "1 2 3 {n}" (completion) or "mock prompt {n}" (chat), n from 1, no max_tokens (→ 30). */
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import type { BodyWriter } from "./body-writer.ts";
import { DEFAULT_MAX_TOKENS } from "./body-writer.ts";

export function mockPrompt(api: "completion" | "chat", i: number): string {
  return api === "chat" ? `mock prompt ${i + 1}` : `1 2 3 ${i + 1}`;
}

/** `plannedPromptTokens`: the tokenizer's count of the first prompt (later ones differ by their number's digits). */
export function createMockSource(api: "completion" | "chat", body: BodyWriter, plannedPromptTokens: number): ScenarioRequestSource {
  return {
    warnings: [],
    request: (i) => ({ body: body.forPrompt(mockPrompt(api, i), null), plannedPromptTokens, plannedOutputTokens: DEFAULT_MAX_TOKENS }),
    describe: () => `mock: prompts "${mockPrompt(api, 0).replace(/1$/, "<n>")}", max_tokens ${DEFAULT_MAX_TOKENS} (inference-perf's default)`,
  };
}
