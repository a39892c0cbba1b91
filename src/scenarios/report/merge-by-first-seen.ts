/**
 * A stable merge of lists that are each in first-seen order, by the time each item was first seen: the next item
 * is the earliest head, ties (and lists not in time order) taking the earlier list first. So merging one list is
 * the identity, merging lists of successive periods is their concatenation, and merging lists of one period
 * interleaves them by time, as one process folding every record in completion order would have seen them. Pure.
 */
export function mergeByFirstSeen<T extends { firstSeenMs: number }>(lists: ReadonlyArray<readonly T[]>): T[] {
  const heads = lists.map(() => 0);
  const out: T[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const item = lists[i]![heads[i]!];
      if (item !== undefined && (best < 0 || item.firstSeenMs < lists[best]![heads[best]!]!.firstSeenMs)) best = i;
    }
    if (best < 0) return out;
    out.push(lists[best]![heads[best]!++]!);
  }
}
