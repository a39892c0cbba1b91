/**
 * Runs a commander program and owns the one top-level error handler: typed errors become a message, a hint and an
 * exit code; anything else is a bug. Shared by the full CLI (main.ts) and the in-cluster entry, which must not
 * import main.ts (it would bundle every command, the charts included).
 */
import { Command, CommanderError } from "commander";
import { exitCodeFor, KneepointError, EXIT_CODES } from "../errors.ts";

export function formatError(err: unknown, debug: boolean): string {
  if (err instanceof KneepointError) {
    const lines = [`kneepoint: ${err.message}`];
    if (err.hint) lines.push(`  hint: ${err.hint}`);
    if (debug && err.stack) lines.push(err.stack);
    return lines.join("\n");
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const lines = [`kneepoint: internal error: ${e.message}`, "  hint: this is a bug in kneepoint; rerun with --debug and report the stack trace"];
  if (debug && e.stack) lines.push(e.stack);
  return lines.join("\n");
}

/** `kneepoint … | head` closes stdout early: that is not an error worth a stack trace. */
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
  }
}

/** Parses argv with a program and maps whatever it throws to an exit code (also used by the in-cluster entry). */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  ignoreBrokenPipes();
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_CODES.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; parse errors were already printed by commander.
      return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    process.stderr.write(formatError(err, debug) + "\n");
    return exitCodeFor(err);
  }
}

