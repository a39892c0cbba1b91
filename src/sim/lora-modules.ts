/**
 * vLLM's `--lora-modules` values (vllm/entrypoints/openai/cli_args.py LoRAParserAction): each is either
 * `name=path` or a JSON object `{"name": …, "path": …, "base_model_name": …}`; several may follow one flag.
 * vLLM answers a malformed one with "Invalid format for --lora-modules"; so does the simulator, as a UsageError.
 */
import { UsageError } from "../errors.ts";
import { loraModuleSchema, type LoraModule } from "./sim-options.ts";

export function parseLoraModules(values: readonly string[]): LoraModule[] {
  return values.map((raw) => {
    const text = raw.trim();
    if (text.startsWith("{")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new UsageError(`Invalid JSON format for --lora-modules: ${(err as Error).message} in ${raw}`, 'e.g. --lora-modules \'{"name": "sql", "path": "/adapters/sql"}\'');
      }
      const r = loraModuleSchema.safeParse(parsed);
      if (!r.success) throw new UsageError(`Invalid format for --lora-modules: ${raw} (${r.error.issues[0]!.path.join(".")}: ${r.error.issues[0]!.message})`, "give name and path");
      return r.data;
    }
    const eq = text.indexOf("=");
    if (eq <= 0 || eq === text.length - 1) throw new UsageError(`Invalid format for --lora-modules: ${raw}`, "expected name=path, e.g. --lora-modules sql=/adapters/sql");
    return { name: text.slice(0, eq), path: text.slice(eq + 1), base_model_name: null };
  });
}
