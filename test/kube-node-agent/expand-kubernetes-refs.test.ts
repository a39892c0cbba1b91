import { describe, expect, it } from "vitest";
import { jobScript, literalEnv, loadJob, onlyContainer } from "../k8s/manifest-files.ts";
import { expandKubernetesRefs } from "./expand-kubernetes-refs.ts";

const env: Record<string, string> = { HOME: "/h", EMPTY: "", A: "x" };
const expand = (s: string) => expandKubernetesRefs(s, (n) => env[n]);

describe("expandKubernetesRefs (k8s.io/kubernetes third_party/forked/golang/expansion)", () => {
  it("replaces a defined $(VAR), keeps an undefined one as written", () => {
    expect(expand("a $(HOME) b")).toBe("a /h b");
    expect(expand("$(NOPE)/x")).toBe("$(NOPE)/x");
    expect(expand("[$(EMPTY)]")).toBe("[]");
    expect(expand("$(A)$(A)")).toBe("xx");
  });

  it("reads $$ as an escaped $, so $$(HOME) is the literal $(HOME)", () => {
    expect(expand("$$")).toBe("$");
    expect(expand("$$(HOME)")).toBe("$(HOME)");
    expect(expand("$$$(HOME)")).toBe("$/h");
  });

  it("keeps a $ before anything else, a trailing $, and an unclosed $(", () => {
    expect(expand("$HOME ${HOME} $1")).toBe("$HOME ${HOME} $1");
    expect(expand("cost: 5$")).toBe("cost: 5$");
    expect(expand("$(HOME")).toBe("$(HOME");
    expect(expand("$($(HOME))")).toBe("$($(HOME))");
  });

  it("leaves the Job's sh script unchanged (it uses ${VAR}, never $(VAR) of an env var, nor $$)", async () => {
    const job = await loadJob();
    const literal = literalEnv(onlyContainer(job));
    const script = jobScript(job);
    expect(expandKubernetesRefs(script, (n) => literal[n])).toBe(script);
  });
});
