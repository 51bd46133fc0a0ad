// IP address parsing and classification for the egress guard. Written out byte by byte instead of
// leaning on net.BlockList so that every special range, every embedded-IPv4 form and every label in
// a denial message is visible here and unit-tested.

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'carrier-grade NAT'
  | 'link-local'
  | 'cloud metadata'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'reserved';

/** Kinds a workflow opts into by naming the host in allowed_hosts (an internal API by name). */
export const NAME_OPT_IN: ReadonlySet<AddressKind> = new Set(['loopback', 'private', 'carrier-grade NAT']);

export interface ParsedIp {
  version: 4 | 6;
  bytes: Uint8Array;
}

/** Parses a canonical-enough IPv4 dotted quad (what DNS answers and WHATWG URL hostnames contain). */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return bytes;
}

/** Parses IPv6 text (with optional brackets, `::` compression and a dotted IPv4 tail); zone ids are refused. */
export function parseIPv6(input: string): Uint8Array | null {
  let text = input;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.includes('%')) return null;
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (!v4) return null;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
      groups.push(parseInt(piece, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

export function parseIp(text: string): ParsedIp | null {
  const v4 = parseIPv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6) return { version: 6, bytes: v6 };
  return null;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.version === 4) return Array.from(ip.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i]! << 8) | ip.bytes[i + 1]!).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
  kind: AddressKind;
}

export function inPrefix(address: Uint8Array, network: Uint8Array, prefix: number): boolean {
  if (address.length !== network.length) return false;
  let bits = prefix;
  for (let i = 0; i < address.length && bits > 0; i++) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (network[i]! & mask)) return false;
    bits -= 8;
  }
  return true;
}

function range(text: string, kind: AddressKind): Range {
  const [address, prefix] = text.split('/') as [string, string];
  const parsed = parseIp(address)!;
  return { bytes: parsed.bytes, prefix: Number(prefix), kind };
}

// Order matters: the first range containing the address names it (metadata before link-local,
// the single broadcast address before the reserved 240/4 block).
const V4_RANGES: Range[] = [
  range('0.0.0.0/32', 'unspecified'),
  range('0.0.0.0/8', 'reserved'),
  range('127.0.0.0/8', 'loopback'),
  range('10.0.0.0/8', 'private'),
  range('172.16.0.0/12', 'private'),
  range('192.168.0.0/16', 'private'),
  range('100.100.100.200/32', 'cloud metadata'), // Alibaba Cloud
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('169.254.169.254/32', 'cloud metadata'), // AWS, GCP, Azure, OpenStack, DigitalOcean…
  range('169.254.170.2/32', 'cloud metadata'), // AWS ECS task metadata
  range('169.254.0.0/16', 'link-local'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'reserved'),
  range('192.88.99.0/24', 'reserved'),
  range('198.18.0.0/15', 'reserved'),
  range('198.51.100.0/24', 'reserved'),
  range('203.0.113.0/24', 'reserved'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

const V6_RANGES: Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fd00:ec2::254/128', 'cloud metadata'), // AWS IMDS over IPv6
  range('64:ff9b:1::/48', 'reserved'),
  range('100::/64', 'reserved'),
  range('2001:db8::/32', 'reserved'),
  range('2001::/23', 'reserved'),
  range('3fff::/20', 'reserved'),
  range('5f00::/16', 'reserved'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'reserved'),
  range('ff00::/8', 'multicast'),
];

const V4_MAPPED = parseIPv6('::ffff:0:0')!;
const V4_TRANSLATED = parseIPv6('::ffff:0:0:0')!;
const V4_COMPATIBLE = parseIPv6('::')!;
const NAT64 = parseIPv6('64:ff9b::')!;
const SIX_TO_FOUR = parseIPv6('2002::')!;
const GLOBAL_UNICAST = parseIPv6('2000::')!;

export interface Classification {
  kind: AddressKind;
  /** The IPv4 address an IPv6 form embeds, when that is what decided the kind. */
  embedded?: string;
}

function classifyV4(bytes: Uint8Array): AddressKind {
  for (const r of V4_RANGES) if (r.bytes.length === 4 && inPrefix(bytes, r.bytes, r.prefix)) return r.kind;
  return 'public';
}

/** What kind of address this is; IPv6 forms that embed an IPv4 address are judged by that address. */
export function classify(ip: ParsedIp): Classification {
  if (ip.version === 4) return { kind: classifyV4(ip.bytes) };
  const b = ip.bytes;
  const embeddedAt = (offset: number): Classification => {
    const v4 = b.slice(offset, offset + 4);
    return { kind: classifyV4(v4), embedded: Array.from(v4).join('.') };
  };
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated) and 64:ff9b::a.b.c.d (NAT64) all reach
  // the IPv4 address they carry; 2002:AABB:CCDD::/48 (6to4) tunnels to AABBCCDD.
  if (inPrefix(b, V4_MAPPED, 96) || inPrefix(b, V4_TRANSLATED, 96) || inPrefix(b, NAT64, 96)) return embeddedAt(12);
  if (inPrefix(b, SIX_TO_FOUR, 16)) {
    const embedded = embeddedAt(2);
    return embedded.kind === 'public' ? { kind: 'public' } : embedded;
  }
  for (const r of V6_RANGES) if (inPrefix(b, r.bytes, r.prefix)) return { kind: r.kind };
  // ::a.b.c.d (IPv4-compatible, deprecated) and everything outside 2000::/3 is not global unicast.
  if (inPrefix(b, V4_COMPATIBLE, 96)) return { kind: 'reserved', embedded: Array.from(b.slice(12)).join('.') };
  if (!inPrefix(b, GLOBAL_UNICAST, 3)) return { kind: 'reserved' };
  return { kind: 'public' };
}

export function describeKind(c: Classification): string {
  const what = c.kind === 'public' ? 'public address' : `${c.kind} address`;
  return c.embedded ? `${what} (embeds ${c.embedded})` : what;
}
