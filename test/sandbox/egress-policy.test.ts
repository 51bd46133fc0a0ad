// The egress guard's decisions, as units: address classification in every spelling, allowlists,
// ports and schemes, and the connect-time connector with a stub resolver and a dial function that
// records instead of connecting. No socket is opened in this file.
import { describe, expect, it } from 'vitest';
import { classify, parseIp, formatIp } from '../../src/main/sandbox/egress/address.ts';
import { guardedConnector, loopbackOnlyDial, type LookupFn } from '../../src/main/sandbox/egress/http.ts';
import { AllowedHostsError, checkAddress, checkUrl, compilePolicy, type EgressPolicy } from '../../src/main/sandbox/egress/policy.ts';

const open = compilePolicy([]);

function urlVerdict(url: string, policy: EgressPolicy = open): string {
  const verdict = checkUrl(new URL(url), policy);
  return verdict.ok ? 'allowed' : verdict.reason;
}

/** The decision for a name that resolves to `address` (connect time). */
function resolvedVerdict(url: string, address: string, policy: EgressPolicy = open): string {
  const first = checkUrl(new URL(url), policy);
  if (!first.ok) return first.reason;
  const second = checkAddress(first.value, address, policy);
  return second.ok ? 'allowed' : second.reason;
}

describe('address classification', () => {
  const table: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['100.100.100.200', 'cloud metadata'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.170.2', 'cloud metadata'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:a9fe:a9fe', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['2002:808:808::1', 'public'],
  ];
  it.each(table)('%s is %s', (text, kind) => {
    const ip = parseIp(text);
    expect(ip, text).not.toBeNull();
    expect(classify(ip!).kind).toBe(kind);
  });

  it('refuses malformed addresses and zone ids', () => {
    for (const text of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1::2::3', 'fe80::1%eth0', '::g', '']) expect(parseIp(text), text).toBeNull();
  });

  it('formats IPv6 canonically', () => {
    expect(formatIp(parseIp('0:0:0:0:0:ffff:7f00:0001')!)).toBe('::ffff:7f00:1');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
  });
});

describe('URL checks (every numeric spelling is normalised by the URL parser first)', () => {
  it.each([
    ['http://127.0.0.1/', 'egress to 127.0.0.1 denied: loopback address'],
    ['http://2130706433/', 'egress to 127.0.0.1 denied: loopback address'],
    ['http://0x7f000001/', 'egress to 127.0.0.1 denied: loopback address'],
    ['http://0177.0.0.1/', 'egress to 127.0.0.1 denied: loopback address'],
    ['http://127.1/', 'egress to 127.0.0.1 denied: loopback address'],
    ['http://0x7f.1/', 'egress to 127.0.0.1 denied: loopback address'],
    ['http://[::ffff:127.0.0.1]/', 'egress to ::ffff:7f00:1 denied: loopback address (embeds 127.0.0.1)'],
    ['http://0/', 'egress to 0.0.0.0 denied: unspecified address'],
    ['http://10.0.0.5/', 'egress to 10.0.0.5 denied: private address'],
    ['http://169.254.169.254/', 'egress to 169.254.169.254 denied: cloud metadata address'],
    ['http://[fd00:ec2::254]/', 'egress to fd00:ec2::254 denied: cloud metadata address'],
    ['ftp://example.com/', 'scheme "ftp:" is not allowed (only http and https)'],
    ['https://a:b@example.com/', 'credentials in the URL are not allowed: send them in a header'],
    ['https://example.com:22/', 'egress to example.com:22 denied: port 22 is not allowed (only 80, 443, 8080, 8443 unless allowed_hosts names the host)'],
  ])('%s → %s', (url, reason) => {
    expect(urlVerdict(url)).toBe(reason);
  });

  it('allows public hosts on the default ports', () => {
    for (const url of ['https://api.example.com/', 'http://example.com:8080/x', 'https://8.8.8.8/', 'https://[2606:4700::1111]:8443/']) expect(urlVerdict(url), url).toBe('allowed');
  });
});

describe('names resolving to special addresses (connect time)', () => {
  it('denies a public name whose DNS answer is loopback, private or metadata', () => {
    expect(resolvedVerdict('https://evil.example/', '127.0.0.1')).toBe('egress to evil.example (127.0.0.1) denied: loopback address');
    expect(resolvedVerdict('https://evil.example/', '10.1.2.3')).toBe('egress to evil.example (10.1.2.3) denied: private address');
    expect(resolvedVerdict('https://evil.example/', '169.254.169.254')).toBe('egress to evil.example (169.254.169.254) denied: cloud metadata address');
    expect(resolvedVerdict('https://evil.example/', '::ffff:10.0.0.1')).toBe('egress to evil.example (::ffff:a00:1) denied: private address (embeds 10.0.0.1)');
    expect(resolvedVerdict('https://good.example/', '93.184.216.34')).toBe('allowed');
  });
});

describe('allowed_hosts', () => {
  it('restricts to the listed hosts, wildcards and networks', () => {
    const policy = compilePolicy(['api.example.com', '*.corp.example', '203.0.113.0/24', 'siem.example:8089']);
    expect(urlVerdict('https://api.example.com/v1', policy)).toBe('allowed');
    expect(urlVerdict('https://API.Example.COM./v1', policy)).toBe('allowed');
    expect(urlVerdict('https://x.corp.example/', policy)).toBe('allowed');
    expect(urlVerdict('https://corp.example/', policy)).toBe('allowed'); // a CIDR entry may still admit it at connect time
    expect(resolvedVerdict('https://corp.example/', '8.8.8.8', policy)).toBe("egress to corp.example (8.8.8.8) denied: not in the workflow's allowed_hosts");
    expect(resolvedVerdict('https://other.example/', '203.0.113.9', policy)).toBe('allowed');
    expect(urlVerdict('https://siem.example:8089/', policy)).toBe('allowed');
    expect(urlVerdict('https://siem.example/', policy)).toBe('egress to siem.example:443 denied: allowed_hosts allows only port 8089 on this host');
    expect(urlVerdict('https://api.example.com:9999/', policy)).toBe('allowed'); // a host without a port allows any port
  });

  it('denies everything else when non-empty', () => {
    const policy = compilePolicy(['api.example.com']);
    expect(urlVerdict('https://evil.example/', policy)).toBe("egress to evil.example denied: not in the workflow's allowed_hosts");
    expect(urlVerdict('https://8.8.8.8/', policy)).toBe("egress to 8.8.8.8 denied: not in the workflow's allowed_hosts");
  });

  it('opts private and loopback addresses in when the host is named', () => {
    expect(resolvedVerdict('http://siem.corp:8000/', '10.20.30.40', compilePolicy(['siem.corp']))).toBe('allowed');
    expect(resolvedVerdict('http://localhost:3000/', '127.0.0.1', compilePolicy(['localhost']))).toBe('allowed');
    expect(urlVerdict('http://127.0.0.1:5000/', compilePolicy(['127.0.0.1']))).toBe('allowed');
    expect(urlVerdict('http://[::1]:5000/', compilePolicy(['::1']))).toBe('allowed');
    expect(urlVerdict('http://10.9.8.7/', compilePolicy(['10.0.0.0/8']))).toBe('allowed');
  });

  it('never opts in metadata or the unspecified address by name, nor anything by a catch-all network', () => {
    expect(resolvedVerdict('http://meta.corp/', '169.254.169.254', compilePolicy(['meta.corp']))).toBe('egress to meta.corp (169.254.169.254) denied: cloud metadata address');
    expect(resolvedVerdict('http://zero.corp/', '0.0.0.0', compilePolicy(['zero.corp']))).toBe('egress to zero.corp (0.0.0.0) denied: unspecified address');
    expect(urlVerdict('http://127.0.0.1/', compilePolicy(['0.0.0.0/0']))).toBe('egress to 127.0.0.1 denied: loopback address');
    expect(urlVerdict('http://8.8.8.8/', compilePolicy(['0.0.0.0/0']))).toBe('allowed');
    expect(urlVerdict('http://169.254.169.254/', compilePolicy(['169.254.169.254']))).toBe('allowed'); // named explicitly by address
  });

  it('lists every unusable entry at once', () => {
    expect(() => compilePolicy(['ok.example', 'http://a/b', '10.0.0.0/99', '*.1.2.3.4', ''])).toThrow(AllowedHostsError);
    try {
      compilePolicy(['ok.example', 'http://a/b', '10.0.0.0/99', '']);
    } catch (error) {
      expect((error as Error).message).toBe('allowed_hosts: "http://a/b" is not a host name, host:port, IP address or CIDR; "10.0.0.0/99" is not a host name, host:port, IP address or CIDR; empty entry');
    }
  });
});

describe('the connect-time connector', () => {
  /** Resolves names from a table; dialling only records the address it was asked to dial. */
  function harness(records: Record<string, string[]>, remote?: string) {
    const dialled: string[] = [];
    const lookup: LookupFn = async (name) => {
      const found = records[name];
      if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return found;
    };
    const dial = ((options: { hostname: string }, callback: (error: Error | null, socket: unknown) => void) => {
      dialled.push(options.hostname);
      // A stand-in socket: the guard reads remoteAddress and may destroy it.
      callback(null, { remoteAddress: remote ?? options.hostname, destroy() {} });
    }) as unknown as Parameters<typeof guardedConnector>[2];
    const connect = (policy: EgressPolicy, hostname: string, protocol = 'https:', port = '') =>
      new Promise<string>((resolve) => {
        guardedConnector(policy, lookup, dial)({ hostname, protocol, port, host: hostname }, ((error: Error | null) => resolve(error ? error.message : 'connected')) as never);
      });
    return { dialled, connect };
  }

  it('never dials a name whose answer is special, and dials the checked address otherwise', async () => {
    const { dialled, connect } = harness({ 'rebind.example': ['127.0.0.1'], 'mixed.example': ['10.0.0.1', '93.184.216.34'], 'good.example': ['93.184.216.34'] });
    expect(await connect(open, 'rebind.example')).toBe('egress to rebind.example (127.0.0.1) denied: loopback address');
    expect(await connect(open, 'mixed.example')).toBe('connected');
    expect(await connect(open, 'good.example')).toBe('connected');
    expect(await connect(open, 'missing.example')).toBe('host missing.example not found');
    expect(await connect(open, '[::1]', 'http:')).toBe('egress to ::1 denied: loopback address');
    expect(dialled).toEqual(['93.184.216.34', '93.184.216.34']);
  });

  it('re-checks the address the socket actually reached', async () => {
    const { connect } = harness({ 'good.example': ['93.184.216.34'] }, '169.254.169.254');
    expect(await connect(open, 'good.example')).toBe('egress to good.example (169.254.169.254) denied: cloud metadata address');
  });
});

describe('the test harness dial', () => {
  it('passes loopback through and refuses every other address before dialling', async () => {
    const dialled: string[] = [];
    const inner = ((options: { hostname: string }, callback: (error: Error | null, socket: unknown) => void) => {
      dialled.push(options.hostname);
      callback(null, {});
    }) as unknown as Parameters<typeof loopbackOnlyDial>[0];
    const dial = loopbackOnlyDial(inner);
    const attempt = (hostname: string) =>
      new Promise<string>((resolve) => {
        dial({ hostname, protocol: 'http:', port: '80', host: hostname }, ((error: Error | null) => resolve(error ? error.message : 'dialled')) as never);
      });
    expect(await attempt('127.0.0.1')).toBe('dialled');
    expect(await attempt('[::1]')).toBe('dialled');
    expect(await attempt('93.184.216.34')).toBe('egress to 93.184.216.34 denied: the test harness dials loopback only');
    expect(await attempt('10.0.0.5')).toMatch(/egress to 10\.0\.0\.5 denied/);
    expect(dialled).toEqual(['127.0.0.1', '[::1]']);
  });
});
