/**
 * The native container's command for `kneepoint capacity --in-cluster`: the sweep Job's prelude (target from the
 * bench-target ConfigMap, else DEFAULT_*; the bundle unpacked), then the bundled `capacity` with the Job's request
 * shape (INPUT_LEN, OUTPUT_LEN, SEED) and the search flags the runner validated, passed as the container's args
 * (so an SLO such as p95(ttft)<=500ms needs no shell quoting). Server metrics are read by the runner.
 */
import { NATIVE_PRELUDE, type NativeCommand } from "./render-bench-job.ts";

/** $0 of the script (what `ps` shows); the search flags follow it. */
const SCRIPT_NAME = "kneepoint-capacity";

export const CAPACITY_SCRIPT = `${NATIVE_PRELUDE}set -- capacity --base-url "$BASE_URL" --model "$BENCH_MODEL" --tokenizer "$TOKENIZER" --endpoint "$ENDPOINT" \\
  --input-len "$INPUT_LEN" --output-len "$OUTPUT_LEN" --seed "$SEED" --out "$RESULT_DIR" --no-server-metrics "$@"
echo "kneepoint: native engine, capacity search against $BASE_URL$ENDPOINT, model $BENCH_MODEL"
exec node /tmp/kneepoint.mjs "$@" \${EXTRA_ARGS:-}
`;

export function capacityJobCommand(searchArgs: string[]): NativeCommand {
  return { script: CAPACITY_SCRIPT, args: [SCRIPT_NAME, ...searchArgs] };
}
