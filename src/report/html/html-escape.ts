/**
 * Text into HTML, and JSON into a <script> element, so that nothing a run recorded (a model name, a label,
 * a server's error message) can end the element it sits in or start markup of its own. Pure.
 */

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text content or an attribute value (quoted with " or '). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * JSON for `<script type="application/json">`: `<`, `>` and `&` become \u escapes (still the same JSON), so
 * no `</script>` or `<!--` can appear; U+2028/U+2029 too, for any reader that evaluates it as script.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Inline script source (the vega runtime): a `</script` inside would end the element early. */
export function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1");
}

/** An id for an element from a heading: lower-case letters, digits and dashes, unique with `taken`. */
export function anchorId(text: string, taken: Set<string>): string {
  const base = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "section";
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}
