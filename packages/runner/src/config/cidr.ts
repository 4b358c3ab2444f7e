import { isIP } from 'node:net';

/** An address range: network address, prefix length and family. */
export interface Cidr {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** A CIDR like `127.0.0.0/8` or `::1/128` (a bare address is that one address), or what is wrong with it; never throws. */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; problem: string } {
  const slash = text.indexOf('/');
  const network = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  const version = isIP(network);
  if (version === 0) return { ok: false, problem: `${JSON.stringify(network)} is not an IP address` };
  const max = version === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix <= max)) return { ok: false, problem: `the prefix length must be /0–/${max}` };
  return { ok: true, cidr: { network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } };
}
