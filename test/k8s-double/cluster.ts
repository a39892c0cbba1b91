/** What the request handlers and the controllers share: the store, the resource table, time, randomness. */
import type { EventRecorder } from "./event-recorder.ts";
import type { KubeObject, ObjectStore } from "./object-store.ts";
import type { ResourceInfo, ResourceTable } from "./resource-table.ts";

export interface Cluster {
  store: ObjectStore;
  table: ResourceTable;
  events: EventRecorder;
  now(): Date;
  /** Seeded uniform [0, 1): generated names, template hashes' suffixes. */
  random(): number;
  /** Looks a resource up by kind or plural. */
  res(kindOrPlural: string): ResourceInfo;
  /** Runs `work` after the current change has been delivered to everyone (controllers never re-enter). */
  defer(work: () => void): void;
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** utilrand.String(n): the suffix alphabet of generateName and ReplicaSet pods. */
export function randomSuffix(c: Pick<Cluster, "random">, length = 5): string {
  let s = "";
  for (let i = 0; i < length; i++) s += SAFE_ALPHABET[Math.floor(c.random() * SAFE_ALPHABET.length)];
  return s;
}

/** rand.SafeEncodeString of FNV-32a over the JSON of a pod template: the pod-template-hash label. */
export function templateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(JSON.stringify(template ?? {}), "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length]).join("");
}

export function ownerReference(owner: KubeObject): NonNullable<KubeObject["metadata"]["ownerReferences"]>[number] {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller === true);
}
