/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion), applied by the
 * kubelet to env values (against the variables defined before them) and to command and args (against the
 * container's whole environment): `$(NAME)` becomes the value when NAME is defined and stays as written
 * when not; `$$` is an escaped `$`; a `$` before anything else, or an unclosed `$(`, is kept as is.
 */
export function expandKubernetesRefs(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === "$") out += "$";
    else if (next === "(") {
      const close = input.indexOf(")", cursor + 2);
      if (close < 0) out += "$(";
      else {
        const name = input.slice(cursor + 2, close);
        const value = lookup(name);
        out += value ?? `$(${name})`;
        advance = close - cursor;
      }
    } else out += `$${next}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
