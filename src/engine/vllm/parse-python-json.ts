/**
 * JSON as Python's `json.dump` writes it. With the default `allow_nan=True`, a float that is NaN or infinite
 * comes out as the bare token `NaN`, `Infinity` or `-Infinity`, which is not JSON. vLLM avoids that for
 * `request_rate` (it writes "inf"), but a statistic or a `vllm bench sweep` override key could still carry
 * one. Such tokens become null, and the caller is told how many there were. Tokens inside strings are left alone.
 */

export interface ParsedPythonJson {
  value: unknown;
  /** Bare NaN / Infinity / -Infinity tokens replaced by null. */
  nonFinite: number;
}

const NON_FINITE = /^(?:-?Infinity|NaN)(?![A-Za-z0-9_])/;

/** Parse `text`; throws SyntaxError (JSON.parse's message) when it is not JSON even after the replacement. */
export function parsePythonJson(text: string): ParsedPythonJson {
  try {
    return { value: JSON.parse(text), nonFinite: 0 };
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
    const { replaced, count } = replaceNonFinite(text);
    if (count === 0) throw err;
    return { value: JSON.parse(replaced), nonFinite: count };
  }
}

function replaceNonFinite(text: string): { replaced: string; count: number } {
  let out = "";
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === "\\") out += text[++i] ?? "";
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    if (ch === "N" || ch === "I" || ch === "-") {
      const m = NON_FINITE.exec(text.slice(i, i + 10));
      if (m !== null) {
        out += "null";
        count++;
        i += m[0].length - 1;
        continue;
      }
    }
    out += ch;
  }
  return { replaced: out, count };
}
