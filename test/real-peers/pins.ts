/**
 * The real components the tests run against, pinned. Test tooling only: product code never imports this.
 *
 * Python peers live in one virtualenv per pinned version under ~/.cache/kneepoint-test/venvs (or
 * $KNEEPOINT_TEST_CACHE/venvs), installed from PyPI by install-peers.ts, which `make test` runs first.
 *
 * Why these versions:
 *  - inference-perf 0.7.0: the newest release PyPI serves (checked 2026-12-03). Requires Python >= 3.12.
 *  - inference-perf 0.2.0: what the AI on EKS benchmark chart pins (research/inference-perf.md §3); the
 *    second report schema (`prompt_len`, the short per-request `info`).
 *  - litellm 1.108.7: the newest `litellm[proxy]` that installs on this machine's Python 3.11 with its
 *    dependencies resolved by pip (1.110.2 is listed but pip resolved 1.108.7 for 3.11 on 2026-12-03).
 */
export interface PythonPeer {
  /** Directory name of the venv and the name tests ask for. */
  id: string;
  /** pip requirement(s), exact pins. */
  requirements: string[];
  /** Lowest Python the package accepts (its Requires-Python). */
  minPython: [number, number];
  /** Executable (in the venv's bin/) whose `--help` must run for the install to count. */
  smokeBin: string;
}

export const PYTHON_PEERS = {
  "inference-perf-0.7.0": {
    id: "inference-perf-0.7.0",
    requirements: ["inference-perf[analysis]==0.7.0"],
    minPython: [3, 12],
    smokeBin: "inference-perf",
  },
  "inference-perf-0.2.0": {
    id: "inference-perf-0.2.0",
    requirements: ["inference-perf[analysis]==0.2.0"],
    minPython: [3, 12],
    smokeBin: "inference-perf",
  },
  "litellm-1.108.7": {
    id: "litellm-1.108.7",
    requirements: ["litellm[proxy]==1.108.7"],
    // Requires-Python >=3.10,<3.15; 3.11 is the one its proxy dependencies were resolved on.
    minPython: [3, 11],
    smokeBin: "litellm",
  },
} as const satisfies Record<string, PythonPeer>;

export type PythonPeerId = keyof typeof PYTHON_PEERS;

/** The newest inference-perf release (the shape kneepoint's report files follow) and the older pinned one. */
export const INFERENCE_PERF_NEWEST: PythonPeerId = "inference-perf-0.7.0";
export const INFERENCE_PERF_OLDEST: PythonPeerId = "inference-perf-0.2.0";
export const LITELLM: PythonPeerId = "litellm-1.108.7";
