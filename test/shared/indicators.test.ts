import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkIndicator, isIPv4, isIPv6 } from '../../src/shared/indicators.ts';
import type { IndicatorType } from '../../src/shared/domain.ts';

const valid: Array<[IndicatorType, string]> = [
  ['ip', '203.0.113.7'],
  ['ip', '0.0.0.0'],
  ['ip', '2001:db8::7'],
  ['ip', '::ffff:198.51.100.1'],
  ['domain', 'example.com'],
  ['domain', 'EXAMPLE.com.'],
  ['domain', 'bücher.example'],
  ['domain', 'xn--bcher-kva.example'],
  ['domain', '_dmarc.example.com'],
  ['hash_md5', 'd41d8cd98f00b204e9800998ecf8427e'],
  ['hash_sha1', 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709'],
  ['hash_sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['url', 'https://evil.example/login?next=%2F#x'],
  ['url', 'http://[2001:db8::1]:8080/'],
  ['url', 'ftp://203.0.113.7/payload.bin'],
  ['url', 'https://bücher.example/'],
  ['email', 'jdoe@example.com'],
  ['email', 'first.last+tag@sub.example.org'],
  ['email', 'jörg@bücher.example'],
  ['account', 'jdoe'],
  ['account', 'CORP\\jdoe'],
  ['account', '00u1abcd2EFGH3ijk4x7'],
];

const invalid: Array<[IndicatorType, string, string]> = [
  ['ip', 'hello world', 'ip-address'],
  ['ip', '203.0.113.7 ', 'ip-address'],
  ['ip', '203.0.113.0/24', 'ip-address'],
  ['ip', '010.0.0.1', 'ip-address'],
  ['ip', 'fe80::1%eth0', 'ip-address'],
  ['domain', 'localhost', 'domain-name'],
  ['domain', '203.0.113.7', 'domain-name'],
  ['domain', 'example[.]com', 'domain-name'],
  ['domain', 'https://example.com', 'domain-name'],
  ['domain', '-bad.example', 'domain-name'],
  ['domain', `${'a'.repeat(64)}.example`, 'domain-name'],
  ['hash_md5', 'd41d8cd98f00b204e9800998ecf8427', 'md5-hex'],
  ['hash_sha1', 'd41d8cd98f00b204e9800998ecf8427e', 'sha1-hex'],
  ['hash_sha256', 'g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha256-hex'],
  ['url', 'evil.example/login', 'url'],
  ['url', 'hxxp://evil.example/', 'url'],
  ['url', 'javascript:alert(1)', 'url'],
  ['url', 'https://evil.example/a b', 'url'],
  ['email', 'jdoe', 'email-address'],
  ['email', 'jdoe@localhost', 'email-address'],
  ['email', 'j doe@example.com', 'email-address'],
  ['email', 'jdoe..x@example.com', 'email-address'],
  ['account', '   ', 'account-text'],
];

describe('checkIndicator', () => {
  it.each(valid)('accepts %s %j', (type, value) => {
    expect(checkIndicator(type, value)).toBeNull();
  });

  it.each(invalid)('refuses %s %j by rule %s', (type, value, rule) => {
    const problem = checkIndicator(type, value);
    expect(problem?.rule).toBe(rule);
    // The message names the rule and the value, so an agent reading only the message can fix it.
    expect(problem?.message).toContain(`(rule ${rule})`);
    expect(problem?.message).toContain(JSON.stringify(value));
  });

  it('points a domain that is an IP address at the ip type', () => {
    expect(checkIndicator('domain', '198.51.100.1')?.message).toMatch(/use indicator_type ip/);
  });

  it('shortens a long value in the message', () => {
    const message = checkIndicator('ip', 'x'.repeat(4000))!.message;
    expect(message.length).toBeLessThan(300);
  });
});

describe('the IP address checks agree with node:net', () => {
  // Written without node:net because the console runs them too; node:net is the reference here.
  const samples = [
    '1.2.3.4', '255.255.255.255', '256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4\n',
    '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3',
    ':1::2', '1:2:3:4:5:6:7:8::', '12345::1', 'g::1', '::ffff:1.2.3.4', '1.2.3.4::', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4', '::ffff:1.2.3', 'fe80::', 'FE80::ABCD', '2001:db8:0:0:0:0:2:1', '2001:db8::2:1:', '',
  ];
  it.each(samples)('%j', (sample) => {
    expect(isIPv4(sample) ? 4 : isIPv6(sample) ? 6 : 0).toBe(isIP(sample));
  });
});
