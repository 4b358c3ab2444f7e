import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { HeraldError } from '@herald/core';
import { parseCidr } from '../config/cidr.js';

// Addresses a notification must never reach unless the operator allows them:
// loopback, private, link-local, CGNAT, multicast, documentation and reserved ranges.
// https://www.iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry
const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const BLOCKED_V6: Array<[string, number]> = [
  // Unspecified and IPv4-compatible (::a.b.c.d, deprecated by RFC 4291 §2.5.5.1 but
  // still carried to IPv4 by some stacks): `http://[::127.0.0.1]/` must not pass.
  ['::', 96],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

/** Addresses whose decision is remembered (then forgotten all at once). */
const DECISIONS_KEPT = 4_096;

/**
 * A destination that the egress guard refuses. For a host name the message says that it
 * resolves to a refused address but not which one: the error reaches the team that
 * configured the URL (the test endpoint, the delivery log), and an internal host name's
 * address is not theirs to learn.
 */
export class EgressBlockedError extends HeraldError {
  /** `host` is what the URL named: an IP literal, or a name that resolved only to refused addresses. */
  constructor(host: string, { resolved }: { resolved: boolean }) {
    const what = resolved
      ? 'it resolves to a private, loopback or reserved address'
      : 'a private, loopback or reserved address';
    super(
      'egress_blocked',
      `refused to connect to ${host}: ${what} (allow it with HERALD_EGRESS_ALLOW_CIDRS)`,
    );
    this.name = 'EgressBlockedError';
  }
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** Decides which resolved addresses Herald may connect to. */
export class EgressGuard {
  readonly #blocked = new BlockList();
  readonly #allowed = new BlockList();
  // Per address: the lists never change, and a check allocates (SocketAddress) every time.
  readonly #decisions = new Map<string, boolean>();

  /** `allowCidrs` like `127.0.0.0/8` or `::1/128` let specific ranges through. */
  constructor(allowCidrs: string[] = []) {
    for (const [net, prefix] of BLOCKED_V4) this.#blocked.addSubnet(net, prefix, 'ipv4');
    for (const [net, prefix] of BLOCKED_V6) this.#blocked.addSubnet(net, prefix, 'ipv6');
    for (const entry of allowCidrs) {
      // The configuration checks these at start-up; a direct caller gets the same words.
      const parsed = parseCidr(entry);
      if (!parsed.ok)
        throw new HeraldError(
          'invalid_cidr',
          `HERALD_EGRESS_ALLOW_CIDRS: ${JSON.stringify(entry)} is not a CIDR like 127.0.0.0/8: ${parsed.problem}`,
        );
      this.#allowed.addSubnet(parsed.cidr.network, parsed.cidr.prefix, parsed.cidr.family);
    }
  }

  /** True when connecting to `address` (an IP literal) is allowed. */
  allows(address: string): boolean {
    let allowed = this.#decisions.get(address);
    if (allowed === undefined) {
      allowed = this.#decide(address);
      if (this.#decisions.size >= DECISIONS_KEPT) this.#decisions.clear();
      this.#decisions.set(address, allowed);
    }
    return allowed;
  }

  #decide(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const ip = mapped ? mapped[1]! : address;
    const fam = family(ip);
    if (this.#allowed.check(ip, fam)) return true;
    return !this.#blocked.check(ip, fam);
  }

  /** Throws `EgressBlockedError` when `address` is refused. */
  assert(address: string): void {
    if (!this.allows(address)) throw new EgressBlockedError(address, { resolved: false });
  }

  /**
   * A `lookup` for net/tls connect: resolves, then refuses blocked addresses, so the
   * check applies to the address actually connected to (DNS cannot sneak past it).
   */
  lookup = (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const usable = addresses.filter((a) => this.allows(a.address));
      if (usable.length === 0) return callback(new EgressBlockedError(hostname, { resolved: true }), '');
      if (options.all) return callback(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}
