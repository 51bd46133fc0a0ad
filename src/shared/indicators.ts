// What an indicator value must look like for its type. One module for every place a value enters
// a run: the execute path (REST and MCP), the test endpoints, `vigil test` and the console's forms.
// It runs in the browser too, so it uses nothing from Node (no node:net): the address checks are
// written out here, and IDN domains are converted with the WHATWG URL parser, which both have.
import type { IndicatorType } from './domain.ts';

/** The rule a value broke; its id is part of the 422 message, so clients can tell them apart. */
export type IndicatorRule = 'ip-address' | 'domain-name' | 'md5-hex' | 'sha1-hex' | 'sha256-hex' | 'url' | 'email-address' | 'account-text';

export interface IndicatorProblem {
  rule: IndicatorRule;
  /** Names the rule, what the value should look like, and an example. */
  message: string;
}

const MAX_DOMAIN_LENGTH = 253;
const MAX_EMAIL_LOCAL_LENGTH = 64;
const MAX_EMAIL_LENGTH = 254;
const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:']);
// Whitespace and control characters: never part of an address, a name or a URL (the URL parser
// would silently drop tabs and newlines, so they are refused before it sees the value).
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/u;

const RULES: Record<IndicatorType, { rule: IndicatorRule; expected: string; valid(value: string): boolean }> = {
  ip: { rule: 'ip-address', expected: 'an IPv4 address (203.0.113.7) or an IPv6 address (2001:db8::7)', valid: (v) => isIPv4(v) || isIPv6(v) },
  domain: { rule: 'domain-name', expected: 'a domain name with at least two labels (example.com, bücher.example)', valid: isDomainName },
  hash_md5: { rule: 'md5-hex', expected: '32 hexadecimal digits', valid: (v) => /^[0-9a-f]{32}$/i.test(v) },
  hash_sha1: { rule: 'sha1-hex', expected: '40 hexadecimal digits', valid: (v) => /^[0-9a-f]{40}$/i.test(v) },
  hash_sha256: { rule: 'sha256-hex', expected: '64 hexadecimal digits', valid: (v) => /^[0-9a-f]{64}$/i.test(v) },
  url: { rule: 'url', expected: 'an http, https or ftp URL with a host (https://example.com/path)', valid: isIndicatorUrl },
  email: { rule: 'email-address', expected: 'an email address (jdoe@example.com)', valid: isEmailAddress },
  account: { rule: 'account-text', expected: 'an account name, login or id that is not blank', valid: (v) => v.trim() !== '' },
};

/** The rules in one sentence, for API and MCP schema descriptions. */
export const INDICATOR_RULES_SUMMARY =
  'Checked against indicator_type (422 VALIDATION_ERROR naming the rule otherwise): ip = IPv4 or IPv6 (ip-address); ' +
  'domain = a name of two or more labels, IDN allowed (domain-name); hash_md5, hash_sha1, hash_sha256 = 32, 40, 64 hex ' +
  'digits (md5-hex, sha1-hex, sha256-hex); url = http, https or ftp with a host (url); email = local@domain ' +
  '(email-address); account = any text that is not blank (account-text).';

/**
 * `null` when `value` is a valid indicator of `type`, else the rule it breaks. Values are checked
 * as given: surrounding spaces, a CIDR range or a defanged form (`hxxp://`, `example[.]com`) are
 * not an address, a URL or a domain, and a workflow would receive them verbatim.
 */
export function checkIndicator(type: IndicatorType, value: string): IndicatorProblem | null {
  const spec = RULES[type];
  if (spec.valid(value)) return null;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  const hint = type === 'domain' && (isIPv4(value) || isIPv6(value)) ? ' It is an IP address: use indicator_type ip.' : '';
  return { rule: spec.rule, message: `${shown} is not a valid ${type} indicator (rule ${spec.rule}): expected ${spec.expected}.${hint}` };
}

/** Dotted decimal, four parts 0–255, no leading zeros (which some parsers read as octal). */
export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

/**
 * RFC 4291 text forms: eight groups of 1–4 hex digits, one `::` standing for one or more zero
 * groups, and optionally a dotted IPv4 address as the last 32 bits. No zone (`%eth0`): a zone
 * means something on one host only, never in an indicator.
 */
export function isIPv6(value: string): boolean {
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const groups = [...head, ...tail];
  // The dotted IPv4 part can only be the address's last text ("1.2.3.4::" is not an address).
  const endsWithGroup = halves.length === 1 || tail.length > 0;
  let count = 0;
  for (const [index, group] of groups.entries()) {
    if (/^[0-9a-f]{1,4}$/i.test(group)) count += 1;
    else if (index === groups.length - 1 && endsWithGroup && isIPv4(group)) count += 2;
    else return false;
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * Letters, digits, hyphens (not at either end of a label) and underscores (found in real DNS
 * names such as `_dmarc.example.com`), labels of 1–63 characters, at most 253 in all, at least two
 * labels, and a top-level label that is not all digits (so an IPv4 address is not a domain).
 * Unicode labels (IDN) are accepted: the URL parser converts them to their `xn--` form, which is
 * then checked; one trailing dot (the DNS root) is allowed.
 */
export function isDomainName(value: string): boolean {
  if (value === '' || SPACE_OR_CONTROL.test(value) || /[/?#@:\\[\]%]/.test(value)) return false;
  let ascii: string;
  try {
    ascii = new URL(`http://${value}`).hostname;
  } catch {
    return false;
  }
  const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (name.length === 0 || name.length > MAX_DOMAIN_LENGTH) return false;
  const labels = name.split('.');
  if (labels.length < 2 || /^[0-9]+$/.test(labels.at(-1)!)) return false;
  return labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(label));
}

/** An absolute http, https or ftp URL whose host is a domain name or an IP address. */
export function isIndicatorUrl(value: string): boolean {
  if (SPACE_OR_CONTROL.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (!URL_SCHEMES.has(url.protocol) || url.hostname === '') return false;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIPv4(host) || isIPv6(host) || isDomainName(host);
}

/**
 * `local@domain`: a local part of 1–64 characters without spaces, quotes or the characters
 * RFC 5322 reserves outside quotes (Unicode letters are fine, as in internationalised mail), and
 * a domain as for domain indicators.
 */
export function isEmailAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.length > MAX_EMAIL_LENGTH) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  return (
    local.length <= MAX_EMAIL_LOCAL_LENGTH &&
    !SPACE_OR_CONTROL.test(local) &&
    !/["(),:;<>@[\]\\]/.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..') &&
    isDomainName(domain)
  );
}
