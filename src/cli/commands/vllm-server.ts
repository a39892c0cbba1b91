/**
 * `kneepoint vllm-up` / `kneepoint vllm-down` (what `make vllm-up` / `make vllm-down` run): the vLLM model
 * server of deploy/vllm/, with deploy/vllm/values.yaml applied, in NAMESPACE.
 */
import { Command } from "commander";
import type { VllmServerFlags } from "../vllm-server-actions.ts";

export function registerVllmServerCommands(program: Command): void {
  program.addCommand(
    new Command("vllm-up")
      .summary("deploy the vLLM server of deploy/vllm/ and wait until it serves the model (make vllm-up)")
      .description(
        "Applies deploy/vllm/ (values from deploy/vllm/values.yaml) in NAMESPACE and waits, showing the stage: scheduling,\n" +
          "node provisioning, image pull, model loading, ready. A pod the namespace refuses (Pod Security, a quota, a\n" +
          "LimitRange, a webhook) stops it at once with the reason. Environment: NAMESPACE, VLLM_VALUES (another values\n" +
          "file), GPU_NODE_UP (a command that adds a GPU node, for node pools without an autoscaler), VLLM_UP_TIMEOUT\n" +
          "(minutes, default 45), REPLICAS (server pods, over values.yaml's replicas), VLLM_UP_PROXY_CHECK=0 (trust the pod's readiness where the API server cannot reach pods).",
      )
      .option("--namespace <ns>", "namespace (env NAMESPACE; default serving)")
      .option("--values <file>", "values file (env VLLM_VALUES; default deploy/vllm/values.yaml), e.g. one per model")
      .action(async (o: VllmServerFlags) => {
        await (await import("../vllm-server-actions.ts")).runVllmUp(o);
      }),
  );
  program.addCommand(
    new Command("vllm-down")
      .summary("delete the vLLM server and release its GPU (make vllm-down)")
      .description("Deletes the vLLM Deployment, Service and PodMonitor from NAMESPACE, waits until the pods are gone, then runs\nGPU_NODE_DOWN if set (a command that removes the GPU node). Safe to run twice.")
      .option("--namespace <ns>", "namespace (env NAMESPACE; default serving)")
      .option("--values <file>", "values file (env VLLM_VALUES; default deploy/vllm/values.yaml)")
      .action(async (o: VllmServerFlags) => {
        await (await import("../vllm-server-actions.ts")).runVllmDown(o);
      }),
  );
}
