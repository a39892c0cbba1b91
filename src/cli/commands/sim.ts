import type { Command } from "commander";

/** Registers `kneepoint sim` (the vLLM-compatible simulator). */
export function registerSimCommand(_program: Command): void {}
