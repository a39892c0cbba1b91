/**
 * The container command of every scenario Job: `kneepoint run --in-cluster`'s Job, the shipped manifests
 * benchmarks/scenarios/k8s/*.yaml (kubectl apply), and the Helm chart's Job. ONE script, so all three run the same
 * thing: the stock node image unpacks the engine bundle from the `kneepoint-engine` ConfigMap (engine-bundle.ts) to
 * the writable /tmp and runs `kneepoint run` on the config mounted from the scenario's ConfigMap, writing the reports
 * to /tmp and to the config's bucket, and printing every report file to the log between markers
 * (scenario-job-log.ts), where the runner (`kneepoint run --in-cluster` / `--collect`) picks them up.
 *
 * Used as `command: ["/bin/sh", "-c"]` and `args: [SCENARIO_SCRIPT, "kneepoint-run", ...extra flags]` (the seeds'
 * form: the script is args[0], the rest its "$@"). Extra flags go to `kneepoint run`: `--set key=value`,
 * `--fail-on …`, and `--shard-from-job` for an Indexed Job of shards (`--pods N`: the shard from the pod's
 * JOB_COMPLETION_INDEX, SHARD_COUNT and SHARD_START_AT). The API key comes from OPENAI_API_KEY (the bench-target-auth Secret), a
 * gated tokenizer's token from HF_TOKEN; the script never prints the environment.
 */
import { BUNDLE_KEY } from "./engine-bundle.ts";

/** Where the engine ConfigMap is mounted. */
export const ENGINE_MOUNT = "/opt/kneepoint";
/** Where the scenario's config file is mounted (the seeds' path: subPath config.yml of the ConfigMap). */
export const SCENARIO_CONFIG_PATH = "/workspace/config.yml";
/** The key of the config in the scenario's ConfigMap (the seeds'). */
export const SCENARIO_CONFIG_KEY = "config.yml";
/** $0 of the script: what `ps` shows; the flags for `kneepoint run` follow it in args. */
export const SCENARIO_SCRIPT_NAME = "kneepoint-run";

export const SCENARIO_SCRIPT = `set -eu
cd /tmp
node -e 'const z=require("node:zlib"),f=require("node:fs");f.writeFileSync("/tmp/kneepoint.mjs",z.gunzipSync(f.readFileSync("${ENGINE_MOUNT}/${BUNDLE_KEY}")))'
echo "kneepoint: native engine, scenario ${SCENARIO_CONFIG_PATH}"
exec node /tmp/kneepoint.mjs run -c ${SCENARIO_CONFIG_PATH} --output /tmp/kneepoint-reports --no-charts --log-reports "$@"
`;

/** The container's command and args for a scenario Job; `extra`: flags for `kneepoint run`. */
export function scenarioJobCommand(extra: readonly string[] = []): { command: string[]; args: string[] } {
  return { command: ["/bin/sh", "-c"], args: [SCENARIO_SCRIPT, SCENARIO_SCRIPT_NAME, ...extra] };
}
