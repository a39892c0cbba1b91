import type { Command } from "commander";

/** Registers `kneepoint sweep` (the closed-loop concurrency sweep). */
export function registerSweepCommand(_program: Command): void {}
