/**
 * What one record of each dataset becomes in inference-perf 0.7.0 (datagen/dataset/*.py), before tokenizing:
 *   shareGPT (hf_sharegpt_datagen.py)   {conversations: [{from, value}]}, ≥ 2 turns. completion: turn 0 → prompt
 *       (skipped when empty), turn 1 → the completion; a turn may be a string holding the object (issue 429).
 *       chat: every turn, human → user, gpt → assistant, others → user.
 *   cnn_dailymail (cnn_dailymail_datagen.py)   {article, highlights}: completion only; article → prompt (skipped
 *       when empty or null), highlights → the completion.
 *   billsum_conversations (hf_billsum_datagen.py)   {conversations}, ≥ 2 turns. completion: turn 0 / turn 1 values
 *       (empty prompt skipped). chat: every turn with its `from` as the role, unchanged.
 *   infinity_instruct (infinity_instruct_datagen.py)   {conversations}. completion: the last turn must be from
 *       "gpt" and is the completion; the other values joined by "\n" are the prompt (either empty: skipped).
 *       chat: every turn with a value, human → user, anything else → assistant.
 * Records that do not have these shapes are skipped, as 0.7.0 skips them (its KeyError/TypeError handlers).
 */
export type HubDatasetType = "shareGPT" | "cnn_dailymail" | "billsum_conversations" | "infinity_instruct";

export type Candidate = { kind: "completion"; prompt: string; completion: string } | { kind: "chat"; messages: Array<{ role: string; content: string }> };

type Turn = Record<string, unknown>;

const SHAREGPT_ROLES: Record<string, string> = { human: "user", gpt: "assistant" };

function turnsOf(record: unknown, min: number): unknown[] | null {
  const turns = (record as { conversations?: unknown } | null)?.conversations;
  return Array.isArray(turns) && turns.length >= min ? turns : null;
}

/** A ShareGPT turn: an object, or a string holding one. */
function shareGptTurn(raw: unknown): Turn | null {
  if (typeof raw === "string") {
    try {
      return shareGptTurn(JSON.parse(raw));
    } catch {
      return null;
    }
  }
  return raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Turn) : null;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

function shareGpt(record: unknown, api: "completion" | "chat"): Candidate | null {
  const turns = turnsOf(record, 2);
  if (!turns) return null;
  if (api === "completion") {
    const prompt = str(shareGptTurn(turns[0])?.value);
    const completion = str(shareGptTurn(turns[1])?.value);
    return prompt && completion !== null ? { kind: "completion", prompt, completion } : null;
  }
  const messages: Array<{ role: string; content: string }> = [];
  for (const raw of turns) {
    const t = raw !== null && typeof raw === "object" ? (raw as Turn) : null;
    const content = str(t?.value);
    if (t === null || content === null) return null;
    messages.push({ role: SHAREGPT_ROLES[String(t.from)] ?? "user", content });
  }
  return { kind: "chat", messages };
}

function cnnDailyMail(record: unknown): Candidate | null {
  const r = record as { article?: unknown; highlights?: unknown } | null;
  const prompt = str(r?.article);
  const completion = str(r?.highlights);
  return prompt && completion !== null ? { kind: "completion", prompt, completion } : null;
}

function billsum(record: unknown, api: "completion" | "chat"): Candidate | null {
  const turns = turnsOf(record, 2);
  if (!turns) return null;
  if (api === "completion") {
    const prompt = str((turns[0] as Turn | null)?.value);
    const completion = str((turns[1] as Turn | null)?.value);
    return prompt && completion !== null ? { kind: "completion", prompt, completion } : null;
  }
  const messages = turns.map((t) => ({ role: str((t as Turn | null)?.from), content: str((t as Turn | null)?.value) }));
  return messages.every((m) => m.role !== null && m.content !== null) ? { kind: "chat", messages: messages as Array<{ role: string; content: string }> } : null;
}

function infinityInstruct(record: unknown, api: "completion" | "chat"): Candidate | null {
  const turns = turnsOf(record, 1);
  if (!turns) return null;
  const asTurn = (t: unknown) => (t !== null && typeof t === "object" ? (t as Turn) : {});
  if (api === "completion") {
    const last = asTurn(turns.at(-1));
    if (last.from !== "gpt") return null;
    const completion = str(last.value);
    const prompt = turns.slice(0, -1).map((t) => str(asTurn(t).value) ?? "").join("\n");
    return prompt && completion ? { kind: "completion", prompt, completion } : null;
  }
  const messages = turns.map(asTurn).filter((t) => str(t.value)).map((t) => ({ role: t.from === "human" ? "user" : "assistant", content: t.value as string }));
  return messages.length > 0 ? { kind: "chat", messages } : null;
}

export function candidateOf(type: HubDatasetType, record: unknown, api: "completion" | "chat"): Candidate | null {
  switch (type) {
    case "shareGPT":
      return shareGpt(record, api);
    case "cnn_dailymail":
      return cnnDailyMail(record);
    case "billsum_conversations":
      return billsum(record, api);
    case "infinity_instruct":
      return infinityInstruct(record, api);
  }
}
