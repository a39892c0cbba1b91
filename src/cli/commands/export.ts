/**
 * `kneepoint export --format llmd-br-v0.2 DIR [--out FILE]`: a sweep run or a scenario report directory as llm-d
 * Benchmark Reports v0.2 (src/export/).
 */
import { Command, Option } from "commander";
import { writeFileAtomically } from "../../report/write-file-atomically.ts";
import { readExportSource } from "../../export/read-export-source.ts";
import { sweepToBr } from "../../export/sweep-to-br.ts";
import { scenarioToBr } from "../../export/scenario-to-br.ts";
import { capacityToBr } from "../../export/capacity-to-br.ts";
import { brFormatFor, renderBr } from "../../export/render-br.ts";

export const EXPORT_FORMATS = ["llmd-br-v0.2"] as const;

export function registerExportCommand(program: Command): void {
  program
    .command("export")
    .summary("export a sweep or scenario run as an llm-d Benchmark Report v0.2")
    .description(
      "Write a run as llm-d Benchmark Report v0.2 documents (version 0.2.1, what inference-perf 0.7.0 writes): " +
        "one per concurrency step of a sweep (results/<runId>/), one per stage of a scenario report directory " +
        "(`kneepoint run`, built on its inference-perf.partial.stage_<N>.yaml). Each carries the run's ids and " +
        "window, the serving stack (model, server version), the load (closed loop at concurrency N or the stage's " +
        "rate, request shape, kneepoint as the tool), the request results in s, s/token, tokens/s, and the server " +
        "metrics kneepoint recorded. What was not recorded (accelerator, replicas) is left out, never guessed. " +
        "Several documents are a YAML stream (---) or, with --out *.json, a JSON array.",
    )
    .argument("<dir>", "a sweep results directory (results/<runId>) or a scenario report directory")
    .addOption(new Option("--format <format>", "export format").choices(EXPORT_FORMATS).makeOptionMandatory())
    .option("--out <file>", "write here instead of stdout; JSON when it ends in .json, YAML otherwise")
    .addHelpText(
      "after",
      "\nExamples: " +
        "  kneepoint export --format llmd-br-v0.2 results/20261123-201942-0f06 > br.yaml " +
        "  kneepoint export --format llmd-br-v0.2 reports-20261123-201942 --out br.json",
    )
    .action(async (dir: string, o: { format: string; out?: string }) => {
      const source = await readExportSource(dir);
      const docs = source.kind === "sweep" ? sweepToBr(source.input) : source.kind === "capacity" ? capacityToBr(source.input) : scenarioToBr(source.input);
      const text = renderBr(docs, brFormatFor(o.out));
      if (o.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await writeFileAtomically(o.out, text);
      process.stderr.write(`${o.out}: ${docs.length} Benchmark Report v0.2 document${docs.length === 1 ? "" : "s"} (${source.kind})\n`);
    });
}
