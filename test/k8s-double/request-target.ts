/** Turns a request path into what it addresses: a discovery document or a resource (+ name, subresource). */
import { pathNotFound } from "./api-status.ts";
import type { ResourceInfo, ResourceTable } from "./resource-table.ts";

export type RequestTarget =
  | { type: "discovery"; path: "api" | "apis" | "version" | "health"; group?: undefined }
  | { type: "resourceList"; group: string; version: string }
  | {
      type: "resource";
      res: ResourceInfo;
      namespace?: string;
      name?: string;
      subresource?: string;
      /** services/{name}/proxy/<rest>: the path after `proxy`, with its leading slash. */
      rest?: string;
    };

export function parseRequestTarget(pathname: string, table: ResourceTable): RequestTarget {
  const parts = pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const [root, ...after] = parts;
  if (root === "version" && after.length === 0) return { type: "discovery", path: "version" };
  if ((root === "healthz" || root === "livez" || root === "readyz") && after.length === 0) return { type: "discovery", path: "health" };
  if (root === "api" && after.length === 0) return { type: "discovery", path: "api" };
  if (root === "apis" && after.length === 0) return { type: "discovery", path: "apis" };
  let group: string;
  let version: string;
  let rest: string[];
  if (root === "api" && after[0] === "v1") [group, version, rest] = ["", "v1", after.slice(1)];
  else if (root === "apis" && after.length >= 2) [group, version, rest] = [after[0]!, after[1]!, after.slice(2)];
  else throw pathNotFound();
  if (!table.resources.some((r) => r.group === group && r.version === version)) throw pathNotFound();
  if (rest.length === 0) return { type: "resourceList", group, version };

  const resource = (plural: string) => {
    const found = table.byPlural(group, version, plural);
    if (!found) throw pathNotFound();
    return found;
  };
  // /namespaces/{ns}/{plural}/... addresses a namespaced resource; /namespaces/{name}[/status] a Namespace.
  if (rest[0] === "namespaces" && rest.length >= 3 && table.byPlural(group, version, rest[2]!)?.namespaced) {
    const res = resource(rest[2]!);
    return withName(res, rest[1]!, rest.slice(3), pathname);
  }
  const res = resource(rest[0]!);
  if (res.namespaced && rest.length > 1) throw pathNotFound();
  return withName(res, undefined, rest.slice(1), pathname);
}

function withName(res: ResourceInfo, namespace: string | undefined, rest: string[], pathname: string): RequestTarget {
  const [name, subresource] = rest;
  if (name === undefined) return { type: "resource", res, namespace };
  if (subresource === undefined) return { type: "resource", res, namespace, name };
  if (!res.subresources.includes(subresource)) throw pathNotFound();
  if (subresource === "proxy") {
    // The path after ".../proxy", decoded as the API server reads it (client-node sends "a%2Fb" for "a/b").
    let tail = `/${rest.slice(2).join("/")}`;
    if (pathname.endsWith("/") && tail !== "/") tail += "/";
    return { type: "resource", res, namespace, name, subresource, rest: tail };
  }
  if (rest.length > 2) throw pathNotFound();
  return { type: "resource", res, namespace, name, subresource };
}
