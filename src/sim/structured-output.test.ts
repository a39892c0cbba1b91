import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Ajv } from "ajv";
import { readResponseFormat, structuredAnswer, type StructuredFormat } from "./structured-output.ts";
import { tokenize } from "./tokenizer.ts";

const format = (schema: unknown) => readResponseFormat({ type: "json_schema", json_schema: { name: "s", schema } }) as StructuredFormat;

describe("structured answers", () => {
  it("answers the minimal document by hand when nothing is free to fill", () => {
    const f = format({ type: "object", properties: { ok: { type: "boolean" }, n: { type: "integer", minimum: 3 }, e: { enum: ["x", 2] } }, required: ["ok"] });
    const a = structuredAnswer(f, { want: 50, budget: 100, ignoreEos: false, seed: 1 });
    expect(a.pieces.join("")).toBe('{"ok":true,"n":3,"e":"x"}');
    expect(a.pieces).toHaveLength(tokenize('{"ok":true,"n":3,"e":"x"}', false).length);
    expect(a.finishReason).toBe("stop");
  });

  it("fills the first free string to exactly the planned count, and is valid whatever the plan (property)", () => {
    const schema = { type: "object", properties: { a: { type: "array", items: { type: "string" }, minItems: 2 }, b: { type: "string" }, c: { type: "number", exclusiveMaximum: -1 } }, required: ["a", "b", "c"] };
    const validate = new Ajv({ strict: false }).compile(schema);
    const f = format(schema);
    const minimal = structuredAnswer(f, { want: 1, budget: 1000, ignoreEos: false, seed: 1 }).pieces.length;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.boolean(), fc.integer(), (want, extra, ignoreEos, seed) => {
        const budget = Math.max(want, minimal) + extra - 1;
        const a = structuredAnswer(f, { want, budget, ignoreEos, seed });
        const text = a.pieces.join("");
        expect(validate(JSON.parse(text))).toBe(true);
        expect(tokenize(text, false)).toHaveLength(a.pieces.filter((p) => p !== "").length);
        expect(a.pieces.length).toBe(ignoreEos ? budget : Math.min(budget, Math.max(want, minimal)));
      }),
    );
  });
});
