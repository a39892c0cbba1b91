/**
 * A chart section's Vega-Lite spec, made interactive (interactive-spec.ts), compiled to the Vega spec the page
 * embeds: the browser needs only the vega runtime, not vega-lite. Warnings are returned, never printed. Pure
 * (vega-lite's compile touches nothing outside).
 */
import { compile, type TopLevelSpec } from "vega-lite";
import { interactiveSpec } from "./interactive-spec.ts";

export interface CompiledChart {
  vegaSpec: object;
  warnings: string[];
}

interface Logger {
  level(next?: number): number | Logger;
  error(...args: unknown[]): Logger;
  warn(...args: unknown[]): Logger;
  info(...args: unknown[]): Logger;
  debug(...args: unknown[]): Logger;
}

function collectingLogger(into: string[]): Logger {
  let level = 2;
  const logger: Logger = {
    level: (next?: number) => (next === undefined ? level : ((level = next), logger)),
    error: (...args) => (into.push(`error: ${args.map(String).join(" ")}`), logger),
    warn: (...args) => (into.push(args.map(String).join(" ")), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/**
 * The interactive chart; should vega-lite refuse it (a spec shape the interactivity does not foresee), the
 * chart as the PNG has it, with a warning: a report never loses a chart to its tooltips. A spec vega-lite
 * refuses outright throws, as it does for the PNG.
 */
export function compileChart(spec: TopLevelSpec, opts: { zoom?: boolean } = {}): CompiledChart {
  const warnings: string[] = [];
  try {
    const interactive = interactiveSpec(spec, { zoom: opts.zoom ?? false });
    return { vegaSpec: compile(interactive, { logger: collectingLogger(warnings) as never }).spec, warnings };
  } catch (err) {
    const plain: string[] = [`interactivity left out: ${(err as Error).message}`];
    return { vegaSpec: compile(spec, { logger: collectingLogger(plain) as never }).spec, warnings: plain };
  }
}
