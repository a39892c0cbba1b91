import { describe, expect, it } from "vitest";
import type { V1Node } from "@kubernetes/client-node";
import { checkImageDriver, CUDA12_TAG, gpuNodeDrivers, imageCudaMajor, knownImageProblem, type GpuNodes } from "./image-driver-check.ts";
import { driverMajor } from "./node-facts.ts";

/** A node as GPU feature discovery labels it: driver 580.95.05 → cuda.driver.{major,minor,rev}. */
function node(name: string, opts: { gpus?: number; driver?: string; labels?: Record<string, string> } = {}): V1Node {
  const [major, minor, rev] = opts.driver?.split(".") ?? [];
  const labels: Record<string, string> = {
    "kubernetes.io/hostname": name,
    ...(major ? { "nvidia.com/cuda.driver.major": major, "nvidia.com/cuda.driver.minor": minor ?? "", "nvidia.com/cuda.driver.rev": rev ?? "" } : {}),
    ...opts.labels,
  };
  return {
    metadata: { name, labels },
    status: { capacity: { cpu: "8", memory: "32Gi", ...(opts.gpus !== undefined ? { "nvidia.com/gpu": String(opts.gpus) } : {}) } },
  };
}

const IMAGE = "vllm/vllm-openai:v0.31.0";

describe("imageCudaMajor: the CUDA of a vLLM image, from its tag", () => {
  it("a -cuNNN suffix says it; without one, v0.20.0 and later are CUDA 13, v0.4 to v0.19 CUDA 12", () => {
    expect(imageCudaMajor(IMAGE)?.major).toBe(13);
    expect(imageCudaMajor("vllm/vllm-openai:v0.20.0")?.major).toBe(13);
    expect(imageCudaMajor("vllm/vllm-openai:v0.31.0-cu129")?.major).toBe(12);
    expect(imageCudaMajor("vllm/vllm-openai:v0.31.0-cu129")?.why).toBe("its -cu129 suffix: CUDA 12.9");
    expect(imageCudaMajor("vllm/vllm-openai:v0.19.1")?.major).toBe(12);
    expect(imageCudaMajor("vllm/vllm-openai:v0.19.1-cu130")?.major).toBe(13);
    expect(imageCudaMajor("vllm/vllm-openai:v0.10.1.1")?.major).toBe(12);
    expect(imageCudaMajor("vllm/vllm-openai:latest-cu129")?.major).toBe(12);
    expect(imageCudaMajor(`docker.io/vllm/vllm-openai:v0.31.0@sha256:${"a".repeat(64)}`)?.major).toBe(13);
    expect(imageCudaMajor("registry.example.com:5000/mirror/vllm-openai:v0.31.0-cu128")?.major).toBe(12);
  });

  it("unknown (null, nothing checked): another image, no version, releases before v0.4", () => {
    expect(imageCudaMajor("ghcr.io/me/my-vllm:v0.31.0")).toBeNull();
    expect(imageCudaMajor("vllm/vllm-openai:nightly")).toBeNull();
    expect(imageCudaMajor("vllm/vllm-openai")).toBeNull();
    expect(imageCudaMajor("registry:5000/vllm/vllm-openai")).toBeNull();
    expect(imageCudaMajor("vllm/vllm-openai:v0.2.7")).toBeNull();
  });

  it("warns about -cu12x images from v0.25 on (TorchCodec built for CUDA 13), not before, not the default", () => {
    expect(knownImageProblem("vllm/vllm-openai:v0.31.0-cu129")).toMatch(/reported to die as `vllm serve` starts.*image\.tag v0\.19\.1/);
    expect(knownImageProblem("vllm/vllm-openai:v0.25.0-cu129")).not.toBeNull();
    expect(knownImageProblem("vllm/vllm-openai:v0.24.1-cu129")).toBeNull();
    expect(knownImageProblem(IMAGE)).toBeNull();
    expect(knownImageProblem(`vllm/vllm-openai:${CUDA12_TAG}`)).toBeNull();
  });
});

describe("gpuNodeDrivers: the GPU nodes the server could land on, and their driver", () => {
  it("keeps nodes with nvidia.com/gpu capacity that match the nodeSelector; reads GFD's driver labels", () => {
    const nodes = [
      node("cpu-1", { driver: "580.95.05" }),
      node("gpu-a", { gpus: 1, driver: "570.133.20", labels: { "nvidia.com/gpu.product": "NVIDIA-L4" } }),
      node("gpu-b", { gpus: 8, driver: "580.95.05", labels: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" } }),
      node("gpu-c", { gpus: 1 }),
      node("gpu-zero", { gpus: 0, driver: "535.1.1" }),
    ];
    expect(gpuNodeDrivers(nodes)).toEqual({
      labelled: [
        { name: "gpu-a", driverMajor: 570, driver: "570.133.20" },
        { name: "gpu-b", driverMajor: 580, driver: "580.95.05" },
      ],
      unlabelled: ["gpu-c"],
    });
    expect(gpuNodeDrivers(nodes, { "nvidia.com/gpu.product": "NVIDIA-L4" })).toEqual({ labelled: [{ name: "gpu-a", driverMajor: 570, driver: "570.133.20" }], unlabelled: [] });
  });

  it("driverMajor reads the older and the newer GFD labels, and refuses junk", () => {
    expect(driverMajor({ "nvidia.com/cuda.driver.major": "580" })).toBe(580);
    expect(driverMajor({ "nvidia.com/cuda.driver-version.major": "575" })).toBe(575);
    expect(driverMajor({ "nvidia.com/cuda.driver-version.full": "570.133.20" })).toBe(570);
    expect(driverMajor({ "nvidia.com/cuda.driver.major": "abc" })).toBeUndefined();
    expect(driverMajor({})).toBeUndefined();
  });
});

describe("checkImageDriver: stop when no GPU node's driver runs the image's CUDA", () => {
  const nodes = (...drivers: string[]): GpuNodes => gpuNodeDrivers(drivers.map((d, i) => node(`gpu-node-${i + 1}`, { gpus: 1, driver: d })));

  it("passes a CUDA 13 image on driver 580 (the e2e cluster's node), in one line", () => {
    const check = checkImageDriver(IMAGE, nodes("580.95.05"));
    expect(check.error).toBeUndefined();
    expect(check.notes).toEqual(["image/driver check: vllm/vllm-openai:v0.31.0 is CUDA 13 (driver 580+); GPU nodes that fit: gpu-node-1 (driver 580.95.05)"]);
  });

  it("stops for a CUDA 13 image when every GPU node has a 12.x driver, naming the node, its driver, the CUDA and the tag to use", () => {
    const check = checkImageDriver(IMAGE, nodes("570.133.20", "550.54.15"));
    expect(check.error?.message).toBe(
      "vllm/vllm-openai:v0.31.0 is a CUDA 13 build (v0.31.0 has no -cuNNN suffix, and vLLM's default images are CUDA 13.0 from v0.20.0 on) and needs NVIDIA driver 580 or newer, " +
        "but no GPU node has one: gpu-node-1 (driver 570.133.20), gpu-node-2 (driver 550.54.15); the server would not start there",
    );
    expect(check.error?.hint).toMatch(/^set image\.tag: v0\.19\.1 in deploy\/vllm\/values\.yaml .*upgrade the nodes' driver to 580 or newer; imageCheck: false in values\.yaml skips this check/);
    expect(check.error?.hint).toMatch(/nvidia-smi/);
  });

  it("the suggested CUDA 12 tag passes on those nodes; a driver below 525 runs no CUDA 12 image either", () => {
    expect(checkImageDriver(`vllm/vllm-openai:${CUDA12_TAG}`, nodes("570.133.20")).error).toBeUndefined();
    const old = checkImageDriver(`vllm/vllm-openai:${CUDA12_TAG}`, nodes("470.256.02"));
    expect(old.error?.message).toMatch(/is a CUDA 12 build .* needs NVIDIA driver 525 or newer, but no GPU node has one: gpu-node-1 \(driver 470\.256\.02\)/);
    expect(old.error?.hint).toMatch(/^no vLLM image kneepoint knows runs on driver 470, or upgrade the nodes' driver to 525 or newer/);
    expect(checkImageDriver(IMAGE, nodes("470.256.02")).error?.hint).toMatch(/^no vLLM image kneepoint knows runs on driver 470/);
  });

  it("some nodes too old, some fine: goes on, with a warning and the nodeAffinity that keeps the pod off the old ones", () => {
    const check = checkImageDriver(IMAGE, nodes("570.133.20", "580.95.05"));
    expect(check.error).toBeUndefined();
    expect(check.notes[0]).toMatch(/^warning: .* the server would not start there: gpu-node-1 \(driver 570\.133\.20\)\. .*key: nvidia\.com\/cuda\.driver\.major, operator: Gt, values: \["579"\]/);
    expect(check.notes[1]).toMatch(/GPU nodes that fit: gpu-node-2 \(driver 580\.95\.05\)$/);
  });

  it("not checked (one note, no error): no GPU node yet, nodes without GFD labels, an image whose CUDA is unknown", () => {
    expect(checkImageDriver(IMAGE, { labelled: [], unlabelled: [] })).toEqual({ notes: [expect.stringMatching(/no GPU node to compare with yet \(an autoscaler may add one\)$/)] });
    expect(checkImageDriver(IMAGE, { labelled: [], unlabelled: ["gpu-1"] })).toEqual({ notes: [expect.stringMatching(/no GPU node carries nvidia\.com\/cuda\.driver\.major .*not checked/)] });
    expect(checkImageDriver("ghcr.io/me/vllm:1", nodes("470.1.1"))).toEqual({ notes: [expect.stringMatching(/^image\/driver check: the CUDA version of ghcr\.io\/me\/vllm:1 is not known here, not checked/)] });
  });

  it("a -cu129 image from v0.25 on: warned about even where the driver fits", () => {
    const check = checkImageDriver("vllm/vllm-openai:v0.31.0-cu129", nodes("570.133.20"));
    expect(check.error).toBeUndefined();
    expect(check.notes[0]).toMatch(/^warning: vllm\/vllm-openai:v0\.31\.0-cu129: -cu12x images from v0\.25 on are reported to die/);
  });

  it("lists at most four nodes by name", () => {
    const check = checkImageDriver(IMAGE, nodes("570.1.1", "570.1.1", "570.1.1", "570.1.1", "570.1.1", "570.1.1"));
    expect(check.error?.message).toMatch(/gpu-node-4 \(driver 570\.1\.1\) and 2 more;/);
  });
});
