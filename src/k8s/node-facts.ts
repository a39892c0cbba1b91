/**
 * The run context a node's labels give: GPU model and count (NVIDIA GPU feature discovery, or GKE's
 * accelerator label), machine type (`node.kubernetes.io/instance-type`), driver and CUDA versions (GFD's
 * `nvidia.com/cuda.driver.{major,minor,rev}` and `nvidia.com/cuda.runtime.{major,minor}`, as documented in
 * NVIDIA/k8s-device-plugin docs/gpu-feature-discovery/README.md; newer GFD also writes `*-version.full`).
 * Pure; a label that is absent stays absent.
 */
export interface NodeFacts {
  gpu?: string;
  machineType?: string;
  driver?: string;
  cuda?: string;
}

function joined(labels: Record<string, string>, prefix: string, parts: string[]): string | undefined {
  const values = parts.map((p) => labels[`${prefix}.${p}`]);
  if (values[0] === undefined) return undefined;
  return values.filter((v) => v !== undefined && v !== "").join(".");
}

export function nodeFacts(labels: Record<string, string>): NodeFacts {
  const out: NodeFacts = {};
  const product = labels["nvidia.com/gpu.product"] ?? labels["cloud.google.com/gke-accelerator"];
  if (product) {
    const count = labels["nvidia.com/gpu.count"] ?? labels["cloud.google.com/gke-accelerator-count"];
    const memory = labels["nvidia.com/gpu.memory"];
    out.gpu = `${product}${count ? ` ×${count}` : ""}${memory ? ` (${Math.round(Number(memory) / 1024)} GiB each)` : ""}`;
  }
  const machine = labels["node.kubernetes.io/instance-type"] ?? labels["beta.kubernetes.io/instance-type"] ?? labels["nvidia.com/gpu.machine"];
  if (machine) out.machineType = machine;
  const driver = labels["nvidia.com/cuda.driver-version.full"] ?? joined(labels, "nvidia.com/cuda.driver", ["major", "minor", "rev"]);
  if (driver) out.driver = driver;
  const cuda = labels["nvidia.com/cuda.runtime-version.full"] ?? joined(labels, "nvidia.com/cuda.runtime", ["major", "minor"]);
  if (cuda) out.cuda = cuda;
  return out;
}

/**
 * The NVIDIA driver's major version from GPU feature discovery's labels (`nvidia.com/cuda.driver.major`, newer GFD's
 * `nvidia.com/cuda.driver-version.major` or `.full`), e.g. 580 for 580.95.05; undefined when absent or malformed.
 */
export function driverMajor(labels: Record<string, string>): number | undefined {
  const raw = labels["nvidia.com/cuda.driver.major"] ?? labels["nvidia.com/cuda.driver-version.major"] ?? labels["nvidia.com/cuda.driver-version.full"]?.split(".")[0];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
