/**
 * Before any load: every adapter of load.lora_traffic_split must be a model the target lists at GET /v1/models, as
 * inference-perf 0.7.0 checks when its client starts (client/modelserver/openai_client.py:134-144: `ValueError: LoRA
 * adapter <name> not found in model server's available models`). vLLM lists each adapter it serves
 * (`--lora-modules name=path`) as a model with `parent` = the base model.
 */
import { EnvironmentError, UsageError } from "../../errors.ts";

export async function checkLoraAdaptersServed(baseUrl: string, headers: Record<string, string>, adapters: readonly string[]): Promise<void> {
  let served: string[];
  try {
    const res = await fetch(`${baseUrl}/v1/models`, { headers, signal: AbortSignal.timeout(15_000) });
    const body = (await res.json()) as { data?: Array<{ id?: unknown }> };
    served = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string");
  } catch (err) {
    throw new EnvironmentError(`cannot list the models of ${baseUrl}/v1/models to check load.lora_traffic_split: ${(err as Error).message}`, "check that the target is up", { cause: err });
  }
  const missing = adapters.filter((a) => !served.includes(a));
  if (missing.length > 0) {
    throw new UsageError(
      `load.lora_traffic_split: LoRA adapter ${missing.map((a) => `"${a}"`).join(", ")} not found in ${baseUrl}/v1/models (it lists: ${served.join(", ") || "nothing"})`,
      "serve the adapters (vLLM: --enable-lora --lora-modules name=path; kneepoint sim --lora-modules name=path) or fix the names",
    );
  }
}
