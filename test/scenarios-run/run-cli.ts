/**
 * `kneepoint run` as its own process, mapped to exit codes as src/cli/main.ts maps them: how the Ctrl-C test
 * sends a real SIGINT without reaching the test runner. (main.ts registers `run` for users.)
 */
import { Command } from "commander";
import { registerRunCommand } from "../../src/cli/commands/run.ts";
import { exitCodeFor } from "../../src/errors.ts";
import { formatError } from "../../src/cli/main.ts";

const program = new Command("kneepoint").exitOverride();
registerRunCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(formatError(err, false) + "\n");
  process.exitCode = exitCodeFor(err);
}
