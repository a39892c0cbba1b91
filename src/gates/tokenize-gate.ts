/**
 * The tokens of a gate expression, each with its 1-based column. Hand-written, no regular expressions:
 *   word    letter or _ then letters, digits, _ ; a percentile word is p then a number (p99.9)
 *   number  digits [. digits] [e [+|-] digits]  (or . digits)
 *   punct   ( ) % and the comparisons > >= < <= (also = == != so the parser can say what to write instead)
 * Pure.
 */

export type Token =
  | { kind: "word"; text: string; column: number }
  | { kind: "number"; text: string; value: number; column: number }
  | { kind: "punct"; text: string; column: number }
  | { kind: "end"; text: ""; column: number };

export class GateTokenError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly fix: string,
  ) {
    super(message);
  }
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isLetter = (c: string | undefined): boolean => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");

function scanNumber(src: string, start: number): number {
  let i = start;
  while (isDigit(src[i])) i++;
  if (src[i] === "." && isDigit(src[i + 1])) {
    i++;
    while (isDigit(src[i])) i++;
  }
  if (src[i] === "e" || src[i] === "E") {
    const sign = src[i + 1] === "+" || src[i + 1] === "-" ? 1 : 0;
    if (isDigit(src[i + 1 + sign])) {
      i += 1 + sign;
      while (isDigit(src[i])) i++;
    }
  }
  return i;
}

export function tokenizeGate(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const column = i + 1;
    if (c === " " || c === "\t") {
      i++;
    } else if (isLetter(c)) {
      // p99.9, p1e-3: a percentile word is p and a number
      let j = c === "p" && isDigit(src[i + 1]) ? scanNumber(src, i + 1) : i + 1;
      while (isLetter(src[j]) || isDigit(src[j])) j++;
      tokens.push({ kind: "word", text: src.slice(i, j), column });
      i = j;
    } else if (isDigit(c) || (c === "." && isDigit(src[i + 1]))) {
      const j = scanNumber(src, i);
      const text = src.slice(i, j);
      tokens.push({ kind: "number", text, value: Number(text), column });
      i = j;
    } else if (c === ">" || c === "<" || c === "=" || c === "!") {
      const two = src[i + 1] === "=" ? c + "=" : c;
      tokens.push({ kind: "punct", text: two, column });
      i += two.length;
    } else if (c === "(" || c === ")" || c === "%") {
      tokens.push({ kind: "punct", text: c, column });
      i++;
    } else if (c === "-" && (isDigit(src[i + 1]) || src[i + 1] === ".")) {
      throw new GateTokenError(`negative threshold at column ${column}`, column, "thresholds are 0 or more, e.g. 'output_throughput < 2000'");
    } else {
      throw new GateTokenError(`unexpected character '${c}' at column ${column}`, column, "write METRIC OP NUMBER[UNIT], e.g. 'p95(ttft) > 500ms'");
    }
  }
  tokens.push({ kind: "end", text: "", column: src.length + 1 });
  return tokens;
}
