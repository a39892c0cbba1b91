/**
 * `kneepoint engine-configmap`: its flags and help. What it does (bundle the engine, create the ConfigMaps) is in
 * run-cluster-scenario-buckets.ts, loaded when it runs: esbuild and the Kubernetes client cost every other command
 * its start-up time.
 */
import type { Command } from "commander";

export function registerEngineConfigMapCommand(program: Command): void {
  program
    .command("engine-configmap")
    .summary("create the engine's ConfigMaps for scenario Jobs applied with kubectl or helm")
    .description(
      "Bundles kneepoint's native engine and creates (or replaces) the ConfigMaps `kneepoint-engine` and " +
        "`kneepoint-engine-buckets` (the S3/GCS clients) in the namespace, which the Jobs of benchmarks/scenarios/k8s/*.yaml " +
        "and the Helm chart mount. Rerun it after updating kneepoint. `make bench` and `kneepoint run --in-cluster` ship " +
        "their own copy and delete it afterwards: run this again after them if your Jobs need it.",
    )
    .option("--namespace <ns>", "the namespace (default NAMESPACE, else the kubeconfig's)")
    .option("--print", "print the two ConfigMaps as YAML instead of creating them (kubectl apply -f -)")
    .action(async (o: { namespace?: string; print?: boolean }) => {
      await (await import("../run-cluster-scenario-buckets.ts")).runEngineConfigMap(o);
    });
}
