import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Test hosts on this machine: each host is a network namespace joined to one or two
 * bridges by veth pairs, with addresses in 198.18.0.0/15 (RFC 2544's benchmarking range:
 * routed nowhere) that exist only on the interfaces made here. The root namespace (the
 * test process: publisher, sink) has the bridges' own addresses. Links are cut with
 * `ip link set … down`; delay and loss go through `netem-relay.py`, a user-space stand-in
 * for `tc netem`, which this kernel lacks (`tc qdisc add … netem` answers "Specified
 * qdisc kind is unknown").
 */

export type Net = 'n' | 's';
/** `n`: NATS nodes and runners; `s`: runners and the sink (root). */
export const SUBNETS: Record<Net, string> = { n: '198.18.1', s: '198.18.2' };
export const ROOT_ADDRESS: Record<Net, string> = { n: `${SUBNETS.n}.1`, s: `${SUBNETS.s}.1` };

const NAME = /^hf[0-9a-f]{4}/;
const RELAY = resolve(import.meta.dirname, 'netem-relay.py');

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quiet(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

/** Offloads off: the relay re-sends frames as read, so they must be whole and checksummed. */
function offloadsOff(dev: string, ns?: string): void {
  const cmd = [...(ns ? ['ip', 'netns', 'exec', ns] : []), 'ethtool', '-K', dev];
  const args = [...cmd, 'tx', 'off', 'sg', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off'];
  quiet(() => execFileSync(args[0]!, args.slice(1), { stdio: 'ignore' }));
}

interface Link {
  host: string;
  net: Net;
  /** Root side of the host's veth (a bridge port unless impaired). */
  port: string;
  /** The relay's pair: `relayIn` faces the relay, `relayOut` is on the bridge. */
  relayIn: string;
  relayOut: string;
}

export class TestNetwork {
  readonly id = `hf${randomBytes(2).toString('hex')}`;
  readonly #links: Link[] = [];
  readonly #hosts = new Set<string>();
  #relay: ChildProcess | null = null;
  #cleanedUp = false;

  /** Removes what an earlier run that did not clean up left (namespaces and links named `hfXXXX…`). */
  static sweep(): void {
    for (const line of ip('netns', 'list').split('\n')) {
      const name = line.split(' ')[0] ?? '';
      if (NAME.test(name)) quiet(() => ip('netns', 'del', name));
    }
    for (const line of ip('-o', 'link', 'show').split('\n')) {
      const name = line.split(':')[1]?.trim().split('@')[0] ?? '';
      if (NAME.test(name)) quiet(() => ip('link', 'del', name));
    }
  }

  constructor() {
    const exit = () => this.cleanup();
    process.once('exit', exit);
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => {
        this.cleanup();
        process.exit(130);
      });
    for (const net of ['n', 's'] as const) {
      const bridge = this.bridge(net);
      ip('link', 'add', bridge, 'type', 'bridge');
      ip('addr', 'add', `${ROOT_ADDRESS[net]}/24`, 'dev', bridge);
      ip('link', 'set', bridge, 'up');
    }
  }

  bridge(net: Net): string {
    return `${this.id}b${net}`;
  }

  ns(host: string): string {
    return `${this.id}-${host}`;
  }

  /** Adds a host with one interface on each of `nets`, address `<subnet>.<octet>`. */
  addHost(host: string, octet: number, nets: Net[]): void {
    const ns = this.ns(host);
    ip('netns', 'add', ns);
    this.#hosts.add(host);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    for (const net of nets) {
      const base = `${this.id}${host}${net}`;
      const inside = `${base}a`;
      const port = `${base}b`;
      const relayIn = `${base}c`;
      const relayOut = `${base}d`;
      ip('link', 'add', inside, 'type', 'veth', 'peer', 'name', port);
      ip('link', 'set', inside, 'netns', ns);
      ip('-n', ns, 'addr', 'add', `${SUBNETS[net]}.${octet}/24`, 'dev', inside);
      ip('-n', ns, 'link', 'set', inside, 'up');
      ip('link', 'add', relayIn, 'type', 'veth', 'peer', 'name', relayOut);
      for (const dev of [port, relayIn, relayOut]) offloadsOff(dev);
      offloadsOff(inside, ns);
      ip('link', 'set', port, 'master', this.bridge(net));
      ip('link', 'set', relayOut, 'master', this.bridge(net));
      for (const dev of [port, relayIn, relayOut]) ip('link', 'set', dev, 'up');
      this.#links.push({ host, net, port, relayIn, relayOut });
    }
  }

  /** A process inside the host's namespace. */
  spawn(host: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns(host), command, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  #link(host: string, net: Net): Link {
    const link = this.#links.find((l) => l.host === host && l.net === net);
    if (!link) throw new Error(`no link of ${host} on ${net}`);
    return link;
  }

  /** Cuts the host's link to one net: its packets go nowhere, as with a pulled cable. */
  cut(host: string, net: Net): void {
    ip('link', 'set', this.#link(host, net).port, 'down');
  }

  heal(host: string, net: Net): void {
    ip('link', 'set', this.#link(host, net).port, 'up');
  }

  /**
   * What `tc qdisc add dev <host's interface> root netem delay <ms> loss <pct>%` does on
   * every link: each host's outgoing frames are delayed and some dropped.
   */
  async impairAll(delayMs: number, lossPct: number): Promise<void> {
    if (this.#relay) throw new Error('already impaired');
    const pairs = this.#links.map((l) => `${l.port}:${l.relayIn}`);
    const relay = spawn('python3', [RELAY, ...pairs], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    relay.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    relay.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    relay.stdin!.write(`set ${delayMs} ${lossPct}\n`);
    const deadline = Date.now() + 5_000;
    while (!output.includes('netem-relay: delay')) {
      if (relay.exitCode !== null || Date.now() > deadline)
        throw new Error(`netem relay did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.#relay = relay;
    // The relay reads the ports; off the bridges, their frames reach it instead.
    for (const l of this.#links) ip('link', 'set', l.port, 'nomaster');
  }

  async unimpair(): Promise<void> {
    const relay = this.#relay;
    if (!relay) return;
    for (const l of this.#links) ip('link', 'set', l.port, 'master', this.bridge(l.net));
    this.#relay = null;
    relay.stdin!.end();
    await new Promise((r) => {
      if (relay.exitCode !== null) r(undefined);
      relay.once('exit', r);
      setTimeout(() => relay.kill('SIGKILL'), 2_000).unref();
    });
  }

  /** Deletes every namespace, link and bridge made here; safe to call more than once. */
  cleanup(): void {
    if (this.#cleanedUp) return;
    this.#cleanedUp = true;
    this.#relay?.kill('SIGKILL');
    for (const host of this.#hosts) quiet(() => ip('netns', 'del', this.ns(host)));
    for (const l of this.#links) quiet(() => ip('link', 'del', l.relayIn));
    for (const l of this.#links) quiet(() => ip('link', 'del', l.port));
    for (const net of ['n', 's'] as const) quiet(() => ip('link', 'del', this.bridge(net)));
  }
}
