/**
 * Container logs as the kubelet keeps them: stdout and stderr interleaved, one entry per line with the time
 * it was written (a partial last line is kept until its newline or the container's end), and listeners for
 * `follow` streams. A restarted container's log becomes `previous`.
 */
export interface LogLine {
  at: Date;
  text: string;
}

export interface LogQuery {
  timestamps: boolean;
  tailLines?: number;
  sinceMs?: number;
  limitBytes?: number;
}

/** kubelet's RFC3339NanoFixed: nine fractional digits, always. */
export function logTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19)}.${String(at.getUTCMilliseconds()).padStart(3, "0")}000000Z`;
}

export class ContainerLog {
  readonly lines: LogLine[] = [];
  private partial = "";
  private partialAt: Date | undefined;
  ended = false;
  private readonly listeners = new Set<(line: LogLine | "end") => void>();

  constructor(private readonly now: () => Date) {}

  write(text: string): void {
    if (this.ended) return;
    let rest = this.partial + text;
    const at = this.partialAt ?? this.now();
    this.partial = "";
    this.partialAt = undefined;
    let newline = rest.indexOf("\n");
    let first = true;
    while (newline >= 0) {
      this.push({ at: first ? at : this.now(), text: rest.slice(0, newline + 1) });
      first = false;
      rest = rest.slice(newline + 1);
      newline = rest.indexOf("\n");
    }
    if (rest !== "") {
      this.partial = rest;
      this.partialAt = first ? at : this.now();
    }
  }

  end(): void {
    if (this.ended) return;
    if (this.partial !== "") this.push({ at: this.partialAt ?? this.now(), text: this.partial });
    this.partial = "";
    this.ended = true;
    for (const l of [...this.listeners]) l("end");
  }

  text(): string {
    return this.lines.map((l) => l.text).join("") + this.partial;
  }

  /** The lines a request asks for (tailLines and sinceSeconds applied), before formatting. */
  select(q: LogQuery): LogLine[] {
    let lines = this.lines;
    if (q.sinceMs !== undefined) lines = lines.filter((l) => l.at.getTime() >= q.sinceMs!);
    if (q.tailLines !== undefined) lines = q.tailLines === 0 ? [] : lines.slice(-q.tailLines);
    return lines;
  }

  subscribe(listener: (line: LogLine | "end") => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private push(line: LogLine): void {
    this.lines.push(line);
    for (const l of [...this.listeners]) l(line);
  }
}

export function formatLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${logTimestamp(line.at)} ${line.text}` : line.text;
}

/** Logs of every container instance, by pod uid and container name. */
export class PodLogs {
  private readonly current = new Map<string, ContainerLog>();
  private readonly previous = new Map<string, ContainerLog>();

  constructor(private readonly now: () => Date) {}

  /** A fresh log for a container (re)start; the last one becomes `previous`. */
  start(podUid: string, container: string): ContainerLog {
    const k = `${podUid}/${container}`;
    const old = this.current.get(k);
    if (old) this.previous.set(k, old);
    const log = new ContainerLog(this.now);
    this.current.set(k, log);
    return log;
  }

  get(podUid: string, container: string, previous = false): ContainerLog | undefined {
    return (previous ? this.previous : this.current).get(`${podUid}/${container}`);
  }
}
