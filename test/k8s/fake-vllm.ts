/**
 * Stand-ins for `vllm bench serve` (no Python or GPU here) for the tests that run the Job's real script: each is
 * a sh script that parses the flags the Job passes, then does what its test needs (`body`).
 */

/** Sets dir and file (--result-dir, --result-filename), c (--max-concurrency) and n (--num-prompts). */
const PARSE_ARGS = `dir=; file=; c=; n=
while [ $# -gt 0 ]; do
  case "$1" in
    --result-dir) dir=$2; shift ;;
    --result-filename) file=$2; shift ;;
    --max-concurrency) c=$2; shift ;;
    --num-prompts) n=$2; shift ;;
  esac
  shift
done
`;

/** A fake `vllm` executable: `prelude` runs before the flags are consumed (e.g. to record them), then `body`. */
export function fakeVllmScript(body: string, prelude = ""): string {
  return `#!/bin/sh\n${prelude}${PARSE_ARGS}${body}`;
}
