import { createHash } from 'node:crypto';

function score(partition: number, member: string): string {
  return createHash('sha256').update(`${partition}:${member}`).digest('hex');
}

/**
 * Who owns which partition, computed alike by every runner from the same members:
 * rendezvous hashing (each partition prefers the members in its own hash order) with
 * shares capped at floor or ceil of P / members, so they differ by at most one,
 * and a member joining or leaving moves few partitions besides its own.
 */
export function assignPartitions(partitions: number, members: string[]): string[] {
  const sorted = [...members].sort();
  // Every member gets floor(P / m); `extra` of them get one more.
  const base = Math.floor(partitions / Math.max(1, sorted.length));
  let extra = partitions - base * sorted.length;
  const load = new Map(sorted.map((m) => [m, 0]));
  const owners: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const ranked = [...sorted].sort((x, y) => (score(p, y) > score(p, x) ? 1 : -1));
    const owner =
      ranked.find((m) => load.get(m)! < base) ??
      ranked.find((m) => load.get(m)! === base && extra > 0) ??
      ranked[0]!;
    if (load.get(owner)! === base) extra--;
    load.set(owner, load.get(owner)! + 1);
    owners.push(owner);
  }
  return owners;
}
