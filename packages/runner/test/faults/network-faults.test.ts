import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fenceMarginMs } from '../../src/cluster/fencing.js';
import { FaultCluster, LEASE_TTL_MS, type Ledger, PARTITIONS } from './cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function report(name: string, ledger: Ledger, extra: string): void {
  console.log(
    `${name}: expected ${ledger.expected}, delivered ${ledger.delivered}, lost ${ledger.lost}, duplicates ${ledger.duplicates}, overlapping owners ${ledger.overlaps.length}, requests outside their sender's ownership ${ledger.outside}, stray lanes ${ledger.strayLanes}; ${extra}`,
  );
  if (ledger.lostWhere) console.log(`${name}, where the lost ones are:\n${ledger.lostWhere}`);
}

/**
 * The cluster under network faults, on real test hosts: each NATS node and each runner in
 * its own network namespace (needs root), a fresh cluster for each scenario.
 */
describe('the cluster under network faults', () => {
  let cluster: FaultCluster;

  // A fresh cluster per scenario: one that a fault left unsettled does not fail the next.
  beforeEach(async () => {
    cluster = new FaultCluster();
    await cluster.start();
  }, 120_000);
  // HERALD_FAULTS_DEBUG=<dir> keeps every process's log of each scenario there (=1: /tmp).
  afterEach(async (context) => {
    const debug = process.env.HERALD_FAULTS_DEBUG;
    if (debug) {
      const dir = debug === '1' ? '/tmp' : debug;
      mkdirSync(dir, { recursive: true });
      const scenario = context.task.name
        .split(' ')
        .slice(0, 4)
        .join('-')
        .replace(/[^\w-]/g, '');
      for (const p of [...cluster.runners, ...cluster.nodes]) {
        const log = p.startsWith('r') ? cluster.runnerLog(p) : cluster.natsLog(p);
        writeFileSync(join(dir, `faults-${scenario}-${p}.log`), log);
      }
    }
    await cluster.cleanup();
  });

  it('a runner cut off from NATS but not from the sink fences itself before its partitions move, and nothing is lost', {
    timeout: 180_000,
  }, async () => {
    cluster.publish('cut', 50);
    await sleep(3_000);
    const share = (await cluster.readyz('r1')).partitions;
    expect(share.length).toBeGreaterThan(0);
    const inFlight = (await cluster.readyz('r1')).attemptsInFlight;
    const unacked = await cluster.unacknowledged(share);
    cluster.net.cut('r1', 'n');
    const cutAt = Date.now();
    // Its partitions go to r2 and r3 once its leases expire.
    await cluster.waitForShares(LEASE_TTL_MS * 3, ['r2', 'r3']);
    const failoverMs = Date.now() - cutAt;
    await sleep(2_000);
    const moved = cluster.requests('cut').filter((r) => share.includes(r.partition));
    const lastByCut = Math.max(...moved.filter((r) => r.runner === 'r1').map((r) => r.at));
    const firstTakeover = Math.min(
      ...moved.filter((r) => r.runner !== 'r1' && r.at > cutAt).map((r) => r.at),
    );
    expect(cluster.runnerLog('r1')).toContain('fenced a partition');

    cluster.net.heal('r1', 'n');
    // Back, it takes a fair share again.
    await cluster.waitForShares(LEASE_TTL_MS * 6);
    await sleep(1_000);
    const published = await cluster.stopPublishing();
    const ledger = await cluster.ledger('cut', published);
    report(
      'runner cut off from NATS',
      ledger,
      `${share.length} partitions moved in ${failoverMs} ms (lease TTL ${LEASE_TTL_MS} ms); r1's last attempt on them ${lastByCut - cutAt} ms after the cut, the first by another runner ${firstTakeover - cutAt} ms after; r1 had ${inFlight} attempts in flight and ${unacked} deliveries unacknowledged`,
    );
    expect(ledger.lost).toBe(0);
    expect(ledger.overlaps).toEqual([]);
    expect(ledger.outside, ledger.outsideSamples.join('\n')).toBe(0);
    // One writer: the cut runner stopped before anyone else started on its partitions,
    // and it stopped on its own deadline, before the lease could expire.
    expect(lastByCut).toBeLessThan(firstTakeover);
    expect(lastByCut - cutAt).toBeLessThan(LEASE_TTL_MS - fenceMarginMs(LEASE_TTL_MS) + 500);
    // Expiry (TTL) + the survivors' next lease round (TTL / 3) + 3 s of margin: starting the
    // partitions' consumers on a busy 2-core machine, and the poll of /readyz (7.5 s was seen
    // against the 6.7 s of the first two). The in-flight figures are read before the cut, so
    // they are printed beside the duplicates, not held against them.
    expect(failoverMs).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 3_000);
  });

  it('a NATS node cut off from the other two (a minority) while publishing goes on: nothing lost, one writer, the cluster converges', {
    timeout: 240_000,
  }, async () => {
    cluster.publish('minority', 50);
    await sleep(2_000);
    cluster.net.cut('n3', 'n');
    const cutAt = Date.now();
    const publishedAtCut = cluster.published;
    for (let i = 0; i < Number(process.env.HERALD_FAULTS_CUT_S ?? 15); i++) {
      await sleep(1_000);
      if (process.env.HERALD_FAULTS_DEBUG)
        console.log(
          i,
          cluster.published,
          JSON.stringify([...(await cluster.shares())]),
          cluster.requests('minority').length,
        );
    }
    const publishedDuringCut = cluster.published - publishedAtCut;
    const deliveredWhileCut = cluster.requests('minority').filter((r) => r.at > cutAt + 5_000).length;
    cluster.net.heal('n3', 'n');
    const healedAt = Date.now();
    // Converged, as Herald's users see it: every stream led again, the partitions shared
    // among all three runners, every delivery made (the ledger). Whether each replica has
    // caught up is NATS's own catch-up: printed, not held against Herald (on nats-server
    // 2.9.10 it took from 13 s to more than 2 minutes).
    const replicas = await cluster.waitForReplicasCurrent(60_000);
    await cluster.waitForShares(LEASE_TTL_MS * 6);
    const published = await cluster.stopPublishing();
    const ledger = await cluster.ledger('minority', published);
    const caughtUp =
      replicas.at === null
        ? `stream replicas not all current 60 s after healing (${replicas.behind})`
        : `every stream replica current ${replicas.at - healedAt} ms after healing`;
    report(
      'NATS node in a minority',
      ledger,
      `${publishedDuringCut} events published and ${deliveredWhileCut} deliveries made in the last 10 s of the 15 s cut; ${caughtUp}`,
    );
    expect(ledger.lost).toBe(0);
    expect(ledger.overlaps).toEqual([]);
    expect(ledger.outside, ledger.outsideSamples.join('\n')).toBe(0);
  });

  it('200 ms delay and 5 % loss on every link for a minute: deliveries go on, nothing lost', {
    timeout: 300_000,
  }, async () => {
    cluster.publish('lossy', 100);
    await sleep(1_000);
    await cluster.net.impairAll(200, 5);
    const from = Date.now();
    await sleep(60_000);
    const during = cluster.requests('lossy').filter((r) => r.at > from).length;
    await cluster.net.unimpair();
    await cluster.waitForShares(LEASE_TTL_MS * 6);
    const published = await cluster.stopPublishing();
    // Under loss, bytes a runner handed to the kernel before its fence can still be
    // retransmitted for seconds after (closing the socket does not take them back).
    const ledger = await cluster.ledger('lossy', published, 180_000, 6_000);
    const fenced = cluster.runners.map(
      (r) => (cluster.runnerLog(r).match(/fenced a partition/g) ?? []).length,
    );
    report(
      'delay 200 ms + loss 5 % on every link',
      ledger,
      `${during} deliveries during the minute (${(during / 60).toFixed(1)}/s), ${published} events; fenced partitions per runner over the whole suite ${fenced.join('/')}; ${PARTITIONS} partitions`,
    );
    expect(during).toBeGreaterThan(0);
    expect(ledger.lost).toBe(0);
    expect(ledger.overlaps).toEqual([]);
    expect(ledger.outside, ledger.outsideSamples.join('\n')).toBe(0);
  });
});
