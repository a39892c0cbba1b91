/** What the kubelet's helpers (image pull, simulated containers) need of one pod's run. */
import type { KubeObject } from "./object-store.ts";
import type { ContainerState, ContainerStatus } from "./pod-status.ts";

export interface PodRunHelpers {
  /** Runs `work` after `ms` unless the run has ended. */
  after(ms: number, work: () => void): void;
  /** The pod as stored now (undefined once it is gone). */
  current(): KubeObject | undefined;
  /** Writes the container status (restartCount and lastState of the run included) and the pod phase. */
  writeContainer(state: ContainerState, phase: string, extra?: Partial<ContainerStatus>): void;
  /** Records an event on the pod, from the kubelet of its node. */
  record(type: "Normal" | "Warning", reason: string, message: string): void;
}

export interface ImagePullOptions {
  imagePullMs: number;
  /** image → the registry's error, for images that cannot be pulled (read at each attempt). */
  pullErrors: ReadonlyMap<string, string>;
  /** Wait between a failed pull and the next attempt (ImagePullBackOff meanwhile). */
  pullBackoffMs: number;
}

/**
 * Pulling as the kubelet reports it: an image already on the node (imagePullMs 0, not Always) gives
 * "already present"; otherwise Pulling, then Pulled with the time taken, or Failed → ErrImagePull →
 * ImagePullBackOff, retried until the image can be pulled.
 */
export function pullImage(h: PodRunHelpers, image: string, pullPolicy: string | undefined, o: ImagePullOptions, onPulled: () => void): void {
  const mustPull = o.imagePullMs > 0 || pullPolicy === "Always" || o.pullErrors.has(image);
  if (!mustPull) {
    h.record("Normal", "Pulled", `Container image "${image}" already present on machine`);
    onPulled();
    return;
  }
  h.record("Normal", "Pulling", `Pulling image "${image}"`);
  h.after(o.imagePullMs, () => {
    const error = o.pullErrors.get(image);
    if (error === undefined) {
      const s = (o.imagePullMs / 1000).toFixed(3).replace(/\.?0+$/, "");
      h.record("Normal", "Pulled", `Successfully pulled image "${image}" in ${s}s (${s}s including waiting)`);
      onPulled();
      return;
    }
    h.record("Warning", "Failed", `Failed to pull image "${image}": ${error}`);
    h.record("Warning", "Failed", "Error: ErrImagePull");
    h.writeContainer({ waiting: { reason: "ErrImagePull", message: error } }, "Pending");
    h.after(Math.min(1000, o.pullBackoffMs), () => {
      const message = `Back-off pulling image "${image}"`;
      h.record("Normal", "BackOff", message);
      h.record("Warning", "Failed", "Error: ImagePullBackOff");
      h.writeContainer({ waiting: { reason: "ImagePullBackOff", message: `${message}: ErrImagePull: ${error}` } }, "Pending");
      h.after(o.pullBackoffMs, () => pullImage(h, image, pullPolicy, o, onPulled));
    });
  });
}
