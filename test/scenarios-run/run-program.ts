/** A commander program holding only `kneepoint run`, with its output captured (main.ts registers it for users). */
import { Command } from "commander";
import { Writable } from "node:stream";
import { registerRunCommand } from "../../src/cli/commands/run.ts";
import { exitCodeFor } from "../../src/errors.ts";

export interface ProgramRun {
  code: number;
  error: unknown;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

export async function runProgram(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProgramRun> {
  const out = sink();
  const err = sink();
  const program = new Command("kneepoint").exitOverride();
  registerRunCommand(program, { io: () => ({ stdout: out.stream, stderr: err.stream, isTty: false, color: false, env }) });
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(["node", "kneepoint", "run", ...args]);
    return { code: 0, error: null, stdout: out.text(), stderr: err.text() };
  } catch (e) {
    return { code: exitCodeFor(e), error: e, stdout: out.text(), stderr: err.text() };
  }
}
