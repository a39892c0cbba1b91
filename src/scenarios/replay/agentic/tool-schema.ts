/**
 * 0.7.0's `_clean_parameters` (apis/chat.py `_clean_schema`): a tool's JSON-Schema parameters reduced to the keys
 * vLLM's validator accepts (so a theme's `x-payload-tokens` hint never reaches the server), every schema given a
 * `type` (string when it had only anyOf/oneOf), anyOf/oneOf dropped, and an object schema given `properties`. Pure.
 */
const ALLOWED = new Set(["type", "description", "enum", "properties", "required", "items", "anyOf", "oneOf", "allOf", "$ref", "const", "additionalProperties"]);

export function cleanParameters(obj: unknown, isPropertiesMap = false): unknown {
  if (Array.isArray(obj)) return obj.map((v) => cleanParameters(v));
  if (obj === null || typeof obj !== "object") return obj;
  const entries = Object.entries(obj as Record<string, unknown>);
  if (isPropertiesMap) return Object.fromEntries(entries.map(([k, v]) => [k, cleanParameters(v)]));
  const cleaned: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (!ALLOWED.has(k)) continue;
    cleaned[k] = cleanParameters(k === "additionalProperties" && typeof v !== "boolean" ? false : v, k === "properties");
  }
  if (!("type" in cleaned)) {
    delete cleaned.anyOf;
    delete cleaned.oneOf;
    cleaned.type = "string";
  } else {
    delete cleaned.anyOf;
    delete cleaned.oneOf;
  }
  if (cleaned.type === "object" && !("properties" in cleaned)) cleaned.properties = {};
  return cleaned;
}
