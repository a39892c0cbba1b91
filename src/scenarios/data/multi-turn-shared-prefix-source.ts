/**
 * `data.shared_prefix.enable_multi_turn_chat: true` as inference-perf 0.7.0 runs it (datagen/synthetic/
 * shared_prefix_datagen.py, apis/user_session.py): the groups' prompts are made and shuffled as for shared_prefix,
 * and each prompt becomes a user session, `user_session_<group × num_prompts_per_group + prompt>`. Request k of a
 * stage is a turn of the session at shuffled position k mod (groups × prompts), which sends that same prompt
 * every round, after its context: `context + " " + prompt`, where the context starts empty (so the first turn is
 * " " + prompt; 0.7.0 never registers the sessions it builds with the shared prefix as context) and becomes
 * `that prompt + " " + the answer`, unbounded. The bodies are completion bodies even with api.type chat: 0.7.0 sends
 * its session requests to /v1/completions whatever the api type (UserSessionCompletionAPIData's route).
 */
import type { SharedPrefixConfig } from "../config/data-schema.ts";
import type { BodyWriter } from "./body-writer.ts";
import { finishTurn, newUnboundedSession, takeTurn, type ConversationSession } from "./conversation-session.ts";
import { approximateWarning } from "./random-source.ts";
import type { ScenarioRequestSource } from "./request-source-deps.ts";
import type { SessionSource } from "./session-source.ts";
import { buildSharedPrompts, describeLen } from "./shared-prefix-source.ts";
import type { WordAtoms } from "./word-atoms.ts";

/** A client-side token estimate of an answer's text (only used when the server reports no usage): its words. */
export function wordCount(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}

export function createMultiTurnSharedPrefixSource(sp: SharedPrefixConfig, specialTokens: number, atoms: WordAtoms, completionBody: BodyWriter, seed: number): ScenarioRequestSource {
  const { prompts, system, question, output } = buildSharedPrompts(sp, specialTokens, atoms, seed);
  // Without the first word's space: the turn puts one back (`context + " " + prompt`), as 0.7.0's prompts have none.
  const texts = prompts.map((p) => (JSON.parse(p.promptJson) as string).replace(/^ /, ""));
  const sessionIdOf = (k: number) => `user_session_${prompts[k % prompts.length]!.user}`;
  const sessions: SessionSource = {
    forStage() {
      const live = new Map<string, { session: ConversationSession; contextTokens: number }>();
      return {
        turn(k) {
          const i = k % prompts.length;
          const p = prompts[i]!;
          const id = sessionIdOf(i);
          let entry = live.get(id);
          if (entry === undefined) live.set(id, (entry = { session: newUnboundedSession(id), contextTokens: 0 }));
          const e = entry;
          let planned = 0;
          let taken: Awaited<ReturnType<typeof takeTurn>> | null = null;
          return {
            sessionId: id,
            holdAfterS: 0,
            worker: k % sp.num_groups,
            async prepare() {
              taken = await takeTurn(e.session, texts[i]!, p.outputLen, null);
              planned = e.contextTokens + p.promptTokens;
              return { body: completionBody.forPrompt(taken.prompt, p.outputLen), plannedPromptTokens: planned, round: e.session.round };
            },
            async finish(answer) {
              if (taken === null) return;
              if (answer !== null) e.contextTokens = planned + wordCount(answer);
              await finishTurn(e.session, taken, answer, null);
            },
          };
        },
      };
    },
  };
  return {
    warnings: atoms.exact ? [] : [approximateWarning("data.type shared_prefix")],
    // A turn's body depends on the answers before it: this is the first turn's, for previews and fallbacks.
    request(i) {
      const p = prompts[i % prompts.length]!;
      return { body: completionBody.forPrompt(` ${texts[i % prompts.length]!}`, p.outputLen), plannedPromptTokens: p.promptTokens, plannedOutputTokens: p.outputLen, group: p.group, sessionId: sessionIdOf(i) };
    },
    describe: () =>
      `shared_prefix multi-turn: ${prompts.length} user sessions (${sp.num_groups} groups × ${sp.num_prompts_per_group}), each turn its prompt after ` +
      `the session's earlier prompts and answers (unbounded, sent to /v1/completions); system prompt ${describeLen(system)}, question ${describeLen(question)}, output ${describeLen(output)} tokens`,
    sessions,
  };
}
