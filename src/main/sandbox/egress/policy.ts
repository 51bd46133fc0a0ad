// The egress decision, as pure functions: which URLs a run may request (scheme, port, allowlist)
// and which addresses a connection may be dialled to. The broker calls checkUrl before a request
// (and again for every redirect hop) and checkAddress at connect time on the address actually
// dialled, so DNS answers, IP literals in any spelling and redirects all meet the same rule.
import {
  classify,
  describeKind,
  formatIp,
  inPrefix,
  NAME_OPT_IN,
  parseIp,
  parseIPv4,
  type ParsedIp,
} from './address.ts';

/** Ports a run may reach on hosts it does not name in allowed_hosts. */
export const DEFAULT_PORTS: ReadonlySet<number> = new Set([80, 443, 8080, 8443]);

export type AllowEntry =
  | { kind: 'name'; host: string; port: number | null; text: string }
  | { kind: 'wildcard'; suffix: string; port: number | null; text: string }
  | { kind: 'cidr'; ip: ParsedIp; prefix: number; port: number | null; text: string };

export interface EgressPolicy {
  entries: AllowEntry[];
  /** allowed_hosts was non-empty: only the named hosts and networks are reachable. */
  restricted: boolean;
}

export class AllowedHostsError extends Error {}

/** Compiles allowed_hosts; every unusable entry is listed in one error. */
export function compilePolicy(allowedHosts: readonly string[]): EgressPolicy {
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  for (const raw of allowedHosts) {
    const entry = parseAllowEntry(raw);
    if (typeof entry === 'string') problems.push(entry);
    else entries.push(entry);
  }
  if (problems.length > 0) throw new AllowedHostsError(`allowed_hosts: ${problems.join('; ')}`);
  return { entries, restricted: entries.length > 0 };
}

function parseAllowEntry(raw: string): AllowEntry | string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return 'empty entry';
  const bad = `"${text}" is not a host name, host:port, IP address or CIDR`;
  // CIDR: 10.0.0.0/8, fd00::/8, [fd00::]/8
  const slash = text.indexOf('/');
  if (slash > 0 && !text.includes('://')) {
    const address = text.slice(0, slash).replace(/^\[(.*)\]$/, '$1');
    const prefixText = text.slice(slash + 1);
    const ip = parseIp(address);
    if (!ip || !/^\d{1,3}$/.test(prefixText)) return bad;
    const prefix = Number(prefixText);
    if (prefix > (ip.version === 4 ? 32 : 128)) return bad;
    return { kind: 'cidr', ip, prefix, port: null, text };
  }
  // Bare IPv6 without brackets (no port possible).
  const bareV6 = text.includes('::') || (text.split(':').length > 2 && !text.startsWith('['));
  if (bareV6) {
    const ip = parseIp(text);
    if (!ip) return bad;
    return { kind: 'cidr', ip, prefix: ip.version === 4 ? 32 : 128, port: null, text };
  }
  let wildcard = false;
  let hostPart = text;
  if (hostPart.startsWith('*.')) {
    wildcard = true;
    hostPart = hostPart.slice(2);
  }
  // Parse through the WHATWG URL parser so entries are normalised exactly like request URLs
  // (case, IDN → punycode, numeric IPv4 spellings → dotted quad).
  let url: URL;
  try {
    url = new URL(hostPart.includes('://') ? hostPart : `http://${hostPart}`);
  } catch {
    return bad;
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return bad;
  const host = normaliseHost(url.hostname);
  if (host === '') return bad;
  const port = url.port ? Number(url.port) : hostPart.includes('://') ? defaultPort(url.protocol) : null;
  const ip = parseIp(host);
  if (ip) {
    if (wildcard) return bad;
    return { kind: 'cidr', ip, prefix: ip.version === 4 ? 32 : 128, port, text };
  }
  if (wildcard) return { kind: 'wildcard', suffix: host, port, text };
  return { kind: 'name', host, port, text };
}

function defaultPort(protocol: string): number | null {
  if (protocol === 'http:') return 80;
  if (protocol === 'https:') return 443;
  return null;
}

/** Lower case, no brackets, no trailing dot: the form hosts are compared in. */
export function normaliseHost(hostname: string): string {
  let host = hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** A request destination that passed checkUrl; carried to connect time. */
export interface Target {
  host: string;
  port: number;
  /** allowed_hosts names this host (by name or wildcard): private/loopback/CGNAT answers are opted in. */
  namedByHost: boolean;
  /** allowed_hosts is restricted and the host was not named: the dialled address must be in a listed IP/CIDR. */
  needsCidr: boolean;
}

export type Decision<T> = { ok: true; value: T } | { ok: false; reason: string };

function deny<T>(reason: string): Decision<T> {
  return { ok: false, reason };
}

function portOk(entry: AllowEntry, port: number): boolean {
  return entry.port === null || entry.port === port;
}

function nameMatches(entry: AllowEntry, host: string): boolean {
  if (entry.kind === 'name') return entry.host === host;
  if (entry.kind === 'wildcard') return host.endsWith(`.${entry.suffix}`);
  return false;
}

function cidrContains(entry: AllowEntry, ip: ParsedIp): boolean {
  if (entry.kind !== 'cidr') return false;
  if (entry.ip.version === ip.version) return inPrefix(ip.bytes, entry.ip.bytes, entry.prefix);
  // An IPv4 entry also covers the IPv4-mapped IPv6 spelling of the same address.
  if (entry.ip.version === 4 && ip.version === 6) {
    const mapped = ip.bytes.slice(0, 12).every((b, i) => b === (i >= 10 ? 0xff : 0));
    return mapped && inPrefix(ip.bytes.slice(12), entry.ip.bytes, entry.prefix);
  }
  return false;
}

/** Scheme, credentials, port and allowlist: everything decidable from the URL alone. */
export function checkUrl(url: URL, policy: EgressPolicy): Decision<Target> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return deny(`scheme "${url.protocol}" is not allowed (only http and https)`);
  }
  if (url.username !== '' || url.password !== '') {
    return deny('credentials in the URL are not allowed: send them in a header');
  }
  const host = normaliseHost(url.hostname);
  if (host === '') return deny('the URL has no host');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const ip = parseIp(host);
  let namedByHost = false;
  let needsCidr = false;
  if (policy.restricted) {
    const byName = ip ? [] : policy.entries.filter((entry) => nameMatches(entry, host));
    const byIp = ip ? policy.entries.filter((entry) => cidrContains(entry, ip)) : [];
    const matches = [...byName, ...byIp];
    if (matches.length > 0) {
      if (!matches.some((entry) => portOk(entry, port))) {
        const ports = matches.map((entry) => entry.port).join(', ');
        return deny(`egress to ${host}:${port} denied: allowed_hosts allows only port ${ports} on this host`);
      }
      namedByHost = byName.some((entry) => portOk(entry, port));
    } else if (!ip && policy.entries.some((entry) => entry.kind === 'cidr' && portOk(entry, port))) {
      // A name may still resolve into a listed network; decided at connect time.
      needsCidr = true;
    } else {
      return deny(`egress to ${host} denied: not in the workflow's allowed_hosts`);
    }
  } else if (!DEFAULT_PORTS.has(port)) {
    return deny(
      `egress to ${host}:${port} denied: port ${port} is not allowed (only ${[...DEFAULT_PORTS].join(', ')} unless allowed_hosts names the host)`,
    );
  }
  const target: Target = { host, port, namedByHost, needsCidr };
  if (ip) {
    // IP literals never reach a resolver: judge them now (connect time judges them again).
    const verdict = checkAddress(target, host, policy);
    if (!verdict.ok) return verdict;
  }
  return { ok: true, value: target };
}

/** The connect-time check on the address about to be dialled. */
export function checkAddress(target: Target, address: string, policy: EgressPolicy): Decision<string> {
  const ip = parseIp(address.startsWith('[') ? address.slice(1, -1) : address);
  const display = (text: string) => (target.host === text || target.host === address ? text : `${target.host} (${text})`);
  if (!ip) return deny(`egress to ${target.host} denied: "${address}" is not an IP address`);
  const canonical = formatIp(ip);
  const c = classify(ip);
  const listed = policy.entries.filter((entry) => entry.kind === 'cidr' && portOk(entry, target.port) && cidrContains(entry, ip));
  if (c.kind === 'unspecified') return deny(`egress to ${display(canonical)} denied: ${describeKind(c)}`);
  if (target.needsCidr && listed.length === 0) {
    return deny(`egress to ${display(canonical)} denied: not in the workflow's allowed_hosts`);
  }
  if (c.kind === 'public') return { ok: true, value: canonical };
  // A catch-all network (0.0.0.0/0, ::/0) allows the public internet, never the special ranges.
  const optedInByNetwork = listed.some((entry) => entry.kind === 'cidr' && entry.prefix > 0);
  const optedInByName = target.namedByHost && NAME_OPT_IN.has(c.kind);
  if (optedInByNetwork || optedInByName) return { ok: true, value: canonical };
  return deny(`egress to ${display(canonical)} denied: ${describeKind(c)}`);
}

/** True when `text` is an IPv4 dotted quad; used by the connector to pick a socket family. */
export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== null;
}
