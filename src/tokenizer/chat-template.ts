/**
 * A tokenizer's chat template (Hugging Face: `chat_template` in tokenizer_config.json — a string, or a list of
 * `{name, template}` whose "default" is used — or a chat_template.jinja file beside it), rendered with
 * @huggingface/jinja as transformers' `apply_chat_template` renders one user turn: `messages`,
 * `add_generation_prompt: true`, and the special tokens of the config (`bos_token`, `eos_token`, …) in scope.
 */
import { Template } from "@huggingface/jinja";

export interface ChatTemplate {
  /** `text` as a single user turn followed by the generation prompt (inference-perf's CustomTokenizer.apply_chat_template). */
  render(text: string): string;
}

type Config = Record<string, unknown>;

const SPECIAL_TOKEN_KEYS = ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"] as const;

/** The template's source text, or null when the tokenizer has none. */
export function chatTemplateSource(config: unknown, jinjaFile: string | null): string | null {
  if (jinjaFile !== null) return jinjaFile;
  const t = (config as Config | null)?.chat_template;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const named = t as Array<{ name?: unknown; template?: unknown }>;
    const chosen = named.find((x) => x.name === "default") ?? named[0];
    return typeof chosen?.template === "string" ? chosen.template : null;
  }
  return null;
}

/** A special token as the config writes it: a string or an AddedToken `{content}`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const content = (value as { content?: unknown } | null)?.content;
  return typeof content === "string" ? content : undefined;
}

export function compileChatTemplate(source: string, config: unknown): ChatTemplate {
  const template = new Template(source);
  const specials: Record<string, string> = {};
  for (const k of SPECIAL_TOKEN_KEYS) {
    const text = tokenText((config as Config | null)?.[k]);
    if (text !== undefined) specials[k] = text;
  }
  return {
    render: (text) => template.render({ ...specials, messages: [{ role: "user", content: text }], add_generation_prompt: true }),
  };
}
