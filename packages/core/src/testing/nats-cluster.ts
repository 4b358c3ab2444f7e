import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { exited, freePort, spawnServer } from './nats-server.js';

/** One node of a test cluster. */
export interface ClusterNode {
  name: string;
  url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** A NATS cluster with JetStream on loopback ports, for scale-out and failover tests. */
export interface TestNatsCluster {
  nodes: ClusterNode[];
  /** All client URLs, comma-separated (what NATS_URL takes). */
  url: string;
  cleanup(): Promise<void>;
}

const CLUSTER_READY_TIMEOUT_MS = 30_000;

/** Waits until the cluster has elected a JetStream meta leader and answers JetStream requests. */
async function waitForJetStream(servers: string[]): Promise<void> {
  const nc = await connect({ servers });
  try {
    const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS;
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1_000 });
        await jsm.getAccountInfo();
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(
            `JetStream cluster not ready in ${CLUSTER_READY_TIMEOUT_MS} ms: ${(err as Error).message}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}

/**
 * Starts `size` nats-server processes joined by routes into one JetStream cluster
 * (streams can then have 3 replicas), each with its own store dir.
 */
export async function startNatsCluster(size = 3): Promise<TestNatsCluster> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const dirs = ports.map(() => mkdtempSync(join(tmpdir(), 'herald-cluster-')));
  const args = (i: number) => [
    '-n',
    `herald-${i}`,
    '--cluster_name',
    'herald-test',
    '--cluster',
    `nats://127.0.0.1:${routePorts[i]}`,
    '--routes',
    routes,
  ];
  const children: Array<ChildProcess | null> = await Promise.all(
    ports.map((port, i) => spawnServer(port, dirs[i]!, args(i))),
  );
  const nodes: ClusterNode[] = ports.map((port, i) => ({
    name: `herald-${i}`,
    url: `nats://127.0.0.1:${port}`,
    kill: async () => {
      const child = children[i];
      children[i] = null;
      if (child) {
        child.kill('SIGKILL');
        await exited(child);
      }
    },
    restart: async () => {
      const child = children[i];
      if (child) {
        child.kill('SIGTERM');
        await exited(child);
      }
      children[i] = await spawnServer(port, dirs[i]!, args(i));
    },
  }));
  await waitForJetStream(nodes.map((n) => n.url));
  return {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    cleanup: async () => {
      await Promise.all(nodes.map((n) => n.kill()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
