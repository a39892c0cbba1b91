import { describe, expect, it } from "vitest";
import { dcgmFields, renderDcgmMetrics, type DcgmIdentity } from "./dcgm-exposition.ts";
import { createGpuActivity } from "./gpu-activity.ts";
import { PROFILES } from "./profiles.ts";

const id: DcgmIdentity = { gpu: PROFILES["h100-8b"].gpu, uuid: "GPU-1", hostname: "node-1", driverVersion: "570.124.06", gpuMemoryUtilization: 0.9 };
const field = (fields: ReturnType<typeof dcgmFields>, name: string) => fields.find((f) => f.name === name)!.value;

describe("GPU activity window", () => {
  it("sums the last complete second of steps", () => {
    const a = createGpuActivity(1000);
    // 700 ms busy in the window [1000, 2000): bytes 2.345e12 over 1 s
    for (let t = 1000; t < 2000; t += 10) a.record(t + 5, 7, 2.345e10, 1e11);
    const s = a.sample(2000);
    expect(s.busy).toBeCloseTo(0.7, 9);
    expect(s.bytes).toBeCloseTo(2.345e12, 0);
    expect(s.flops).toBeCloseTo(1e13, 0);
    expect(a.sample(5000).busy).toBe(0); // old buckets drop out
  });
});

describe("DCGM fields", () => {
  it("derive util, DRAM and tensor activity, and power from the window", () => {
    const f = dcgmFields(id, { busy: 0.7, bytes: 2.345e12, flops: 9.89e13, windowS: 1 });
    expect(field(f, "DCGM_FI_DEV_GPU_UTIL")).toBe(70);
    expect(field(f, "DCGM_FI_PROF_GR_ENGINE_ACTIVE")).toBe(0.7);
    expect(field(f, "DCGM_FI_PROF_DRAM_ACTIVE")).toBeCloseTo(0.7, 9); // 2.345e12 / 3.35e12
    expect(field(f, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE")).toBeCloseTo(0.1, 9); // 9.89e13 / 989e12
    // power = 75 + 625 × (0.35 × 0.7 + 0.65 × 0.7) = 512.5 W
    expect(field(f, "DCGM_FI_DEV_POWER_USAGE")).toBeCloseTo(512.5, 9);
    const idle = dcgmFields(id, { busy: 0, bytes: 0, flops: 0, windowS: 1 });
    expect(field(idle, "DCGM_FI_DEV_POWER_USAGE")).toBe(75);
  });

  it("keeps FB_USED constant: vLLM preallocates 90 % of the framebuffer", () => {
    const busy = dcgmFields(id, { busy: 1, bytes: 3e12, flops: 0, windowS: 1 });
    const idle = dcgmFields(id, { busy: 0, bytes: 0, flops: 0, windowS: 1 });
    expect(field(busy, "DCGM_FI_DEV_FB_USED")).toBe(field(idle, "DCGM_FI_DEV_FB_USED"));
    expect(field(idle, "DCGM_FI_DEV_FB_USED")).toBe(Math.round(81_559 * 0.9));
    expect(field(idle, "DCGM_FI_DEV_FB_USED") + field(idle, "DCGM_FI_DEV_FB_FREE")).toBe(81_559);
  });

  it("renders the exporter's text: HELP/TYPE lines and its labels", () => {
    const text = renderDcgmMetrics(id, { busy: 0.5, bytes: 0, flops: 0, windowS: 1 });
    expect(text).toContain("# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n");
    expect(text).toContain(
      'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-1",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1",DCGM_FI_DRIVER_VERSION="570.124.06"} 50\n',
    );
    expect(text).toMatch(/DCGM_FI_PROF_GR_ENGINE_ACTIVE\{[^}]*\} 0\.500000\n/);
  });
});
