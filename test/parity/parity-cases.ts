/**
 * The configs the parity test runs through the real inference-perf and through `kneepoint run`. Each run is a few
 * seconds; one config covers several features, so that the whole set stays short on a 2-core machine.
 */
import { fileURLToPath } from "node:url";
import type { SimOptions } from "../../src/sim/server.ts";

export interface ParityCase {
  name: string;
  /** The inference-perf config, in test/parity/configs/. */
  configFile: string;
  /** Added to the simulator's deterministic-mode options (BASE_SIM_OPTIONS), e.g. fault injection. */
  simOptions: Partial<SimOptions>;
  /** What the case covers, for the test names and the report. */
  covers: string;
  /** Also run inference-perf 0.2.0 on this config, to see what the older release writes. */
  alsoOldest: boolean;
}

/** Deterministic mode (`kneepoint sim --ttft-ms 20 --itl-ms 5`): the first token 20 ms after the request, then one every 5 ms. */
export const BASE_SIM_OPTIONS: Partial<SimOptions> = { ttftMs: 20, itlMs: 5 };

export const configPath = (file: string): string => fileURLToPath(new URL(`./configs/${file}`, import.meta.url));

export const PARITY_CASES: ParityCase[] = [
  {
    name: "constant-two-stages",
    configFile: "constant-two-stages.yaml",
    simOptions: {},
    covers: "constant load in two stages (multi-stage), completion, streamed, random data with a tokenizer, goodput constraints, per-request report",
    alsoOldest: true,
  },
  {
    name: "poisson-chat-shared-prefix",
    configFile: "poisson-chat-shared-prefix.yaml",
    simOptions: {},
    covers: "Poisson load, chat, streamed, shared_prefix data, no tokenizer block, per-request report",
    alsoOldest: false,
  },
  {
    name: "concurrent-completion-unstreamed",
    configFile: "concurrent-completion-unstreamed.yaml",
    simOptions: {},
    covers: "concurrent load, completion, not streamed, mock data, no tokenizer block, goodput constraint, per-request report",
    alsoOldest: false,
  },
  {
    name: "constant-chat-failures",
    configFile: "constant-chat-failures.yaml",
    simOptions: { faultErrorRate: 0.3 }, // kneepoint sim --fault-error-rate 0.3
    covers: "injected failures (simulator --fault-error-rate 0.3), constant load, chat, not streamed, mock data with a tokenizer, per-request report",
    alsoOldest: true,
  },
];
