// The broker's HTTP client. Live calls go through an undici Agent per egress policy whose connector
// resolves the name itself, checks every candidate address with the policy, dials the address it
// checked (never a second lookup) and checks the socket's remote address once more. Test runs go
// through an undici MockAgent with network connections disabled, so nothing leaves the machine.
// Redirects are followed here, hop by hop, with the policy applied to each hop.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, buildConnector, MockAgent, request, type Dispatcher } from 'undici';
import { formatBytes, formatMs } from '../limits.ts';
import type { MockMatcher } from '../mocks.ts';
import { checkAddress, checkUrl, normaliseHost, type EgressPolicy } from './policy.ts';

/** Resolves a host name to the addresses a connection could be dialled to. */
export type LookupFn = (hostname: string) => Promise<string[]>;

export const MAX_REDIRECTS = 5;
export const CONNECT_TIMEOUT_MS = 10_000;
/** Response bodies that stop flowing for this long fail the call. */
export const BODY_IDLE_TIMEOUT_MS = 30_000;
export const MAX_HEADER_BYTES = 64 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class EgressError extends Error {}

export function systemLookup(): LookupFn {
  return async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

/** A lookup that asks the given DNS servers ("ip" or "ip:port") for A and AAAA records. */
export function serverLookup(servers: string[]): LookupFn {
  const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers(servers);
  return async (hostname) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
    if (addresses.length === 0) {
      const reason = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : null;
      throw Object.assign(new Error(`host ${hostname} not found`), { code: (reason as { code?: string } | null)?.code ?? 'ENOTFOUND' });
    }
    return addresses;
  };
}

type ConnectCallback = (...args: [null, import('node:net').Socket] | [Error, null]) => void;

/**
 * The connect-time guard: the one place a live socket is opened. Exported for the unit tests,
 * which give it a stub lookup and a dial function that records instead of connecting.
 */
export function guardedConnector(
  policy: EgressPolicy,
  lookup: LookupFn,
  dial: buildConnector.connector = buildConnector({ timeout: CONNECT_TIMEOUT_MS }),
): buildConnector.connector {
  return (options, callback: ConnectCallback) => {
    const hostname = normaliseHost(options.hostname);
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    let target;
    try {
      const url = new URL(`${options.protocol}//${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}/`);
      const verdict = checkUrl(url, policy);
      if (!verdict.ok) return callback(new EgressError(verdict.reason), null);
      target = verdict.value;
    } catch {
      return callback(new EgressError(`egress to ${hostname} denied: not a valid host`), null);
    }
    const addresses = isIP(hostname) ? Promise.resolve([hostname]) : lookup(hostname);
    addresses.then(
      (list) => {
        let chosen: string | null = null;
        let denial: string | null = null;
        for (const address of list) {
          const decision = checkAddress(target, address, policy);
          if (decision.ok) {
            chosen = decision.value;
            break;
          }
          denial ??= decision.reason;
        }
        if (chosen === null) return callback(new EgressError(denial ?? `host ${hostname} not found`), null);
        const servername = options.servername || (isIP(hostname) ? undefined : hostname);
        dial({ ...options, hostname: chosen, servername }, (error, socket) => {
          if (error || !socket) return callback(error ?? new Error('connect failed'), null);
          // The address actually dialled, as the kernel reports it.
          const remote = socket.remoteAddress;
          const again = remote ? checkAddress(target, remote, policy) : { ok: false as const, reason: `egress to ${hostname} denied: unknown remote address` };
          if (!again.ok) {
            socket.destroy();
            return callback(new EgressError(again.reason), null);
          }
          callback(null, socket);
        });
      },
      (error: { code?: string }) => {
        const code = error?.code;
        const reason = code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME' ? `host ${hostname} not found` : `DNS lookup of ${hostname} failed (${code ?? 'error'})`;
        callback(new EgressError(reason), null);
      },
    );
  };
}

/** A dial that refuses every address but 127.0.0.1 and ::1, below (and whatever) the policy decided. */
export function loopbackOnlyDial(dial: buildConnector.connector): buildConnector.connector {
  return (options, callback: ConnectCallback) => {
    const address = normaliseHost(options.hostname);
    if (address !== '127.0.0.1' && address !== '::1') {
      return callback(new EgressError(`egress to ${address} denied: the test harness dials loopback only`), null);
    }
    return dial(options, callback);
  };
}

export interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
  signal: AbortSignal;
  timeoutMs: number;
}

export interface FinalResponse {
  status: number;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** One hop: a response whose body has not been read yet. */
interface HopResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { dump?: () => Promise<void> };
}

export interface Transport {
  hop(hop: HopRequest, policy: EgressPolicy): Promise<HopResponse>;
}

/** Live transport: one Agent per distinct policy, so pooled connections never cross policies. */
export class LiveTransport implements Transport {
  private readonly lookup: LookupFn;
  private readonly agents = new Map<string, { agent: Agent; used: number }>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  private readonly dial: buildConnector.connector;

  /** `loopbackOnly` is for test harnesses: see SandboxHostOptions.dialLoopbackOnly. */
  constructor(lookup: LookupFn, loopbackOnly = false) {
    this.lookup = lookup;
    const dial = buildConnector({ timeout: CONNECT_TIMEOUT_MS });
    this.dial = loopbackOnly ? loopbackOnlyDial(dial) : dial;
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private agentFor(policy: EgressPolicy): Agent {
    const key = JSON.stringify(policy.entries.map((entry) => entry.text));
    let entry = this.agents.get(key);
    if (!entry) {
      const agent = new Agent({
        connect: guardedConnector(policy, this.lookup, this.dial),
        maxHeaderSize: MAX_HEADER_BYTES,
        bodyTimeout: BODY_IDLE_TIMEOUT_MS,
        keepAliveTimeout: 10_000,
        allowH2: false,
      });
      entry = { agent, used: Date.now() };
      this.agents.set(key, entry);
    }
    entry.used = Date.now();
    return entry.agent;
  }

  private sweep(): void {
    const stale = Date.now() - 5 * 60_000;
    for (const [key, entry] of this.agents) {
      if (entry.used < stale) {
        this.agents.delete(key);
        void entry.agent.close().catch(() => undefined);
      }
    }
  }

  async hop(hop: HopRequest, policy: EgressPolicy): Promise<HopResponse> {
    const response = await request(hop.url, {
      dispatcher: this.agentFor(policy),
      method: hop.method as Dispatcher.HttpMethod,
      headers: hop.headers,
      body: hop.body,
      signal: hop.signal,
      headersTimeout: hop.timeoutMs,
      bodyTimeout: Math.min(hop.timeoutMs, BODY_IDLE_TIMEOUT_MS),
    });
    return response as unknown as HopResponse;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.agents.values()].map((entry) => entry.agent.close()));
    this.agents.clear();
  }
}

/** Test-mode transport: answers come from the run's mocks through a MockAgent that cannot connect. */
export class MockTransport implements Transport {
  private readonly agent = new MockAgent({ connections: 1 });
  private readonly matcher: MockMatcher;
  /** Which mock answered each hop, in order, for the call records. */
  lastMock: number | 'default' | null = null;

  constructor(matcher: MockMatcher) {
    this.matcher = matcher;
    this.agent.disableNetConnect();
  }

  async hop(hop: HopRequest): Promise<HopResponse> {
    const match = this.matcher.match(hop.method, hop.url.href);
    if (!match) {
      this.lastMock = null;
      throw new EgressError(`no mock matches ${hop.method} ${hop.url.href} (test mode: add a mock for it, or a "default")`);
    }
    this.lastMock = match.mock;
    const { response } = match;
    if (response.delay_ms > 0) await abortableDelay(response.delay_ms, hop.signal);
    // A one-shot interceptor for exactly this request, registered just before it is dispatched.
    this.agent
      .get(hop.url.origin)
      .intercept({ path: hop.url.pathname + hop.url.search, method: hop.method })
      .reply(response.status, response.body, { headers: response.headers });
    const answered = await request(hop.url, {
      dispatcher: this.agent,
      method: hop.method as Dispatcher.HttpMethod,
      headers: hop.headers,
      body: hop.body,
      signal: hop.signal,
    });
    return answered as unknown as HopResponse;
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The first hop's request, plus what governs the whole chain of hops. */
export interface FetchOptions extends HopRequest {
  maxBodyBytes: number;
  policy: EgressPolicy;
  transport: Transport;
  /** Which request headers are credentials, dropped when a redirect leaves the origin. */
  isCredential(name: string, value: string): boolean;
  /** Whether a request body carries one of the run's secrets (a token request's client secret). */
  carriesSecret(text: string): boolean;
}

/** A call with manual redirects (≤ 5, each hop re-checked, credentials never carried across origins). */
export async function fetchWithPolicy(options: FetchOptions): Promise<FinalResponse> {
  let url = options.url;
  let method = options.method;
  let body = options.body;
  let headers = { ...options.headers };
  for (let hop = 0; ; hop++) {
    const verdict = checkUrl(url, options.policy);
    if (!verdict.ok) throw new EgressError(verdict.reason);
    const response = await options.transport.hop({ url, method, headers, body, signal: options.signal, timeoutMs: options.timeoutMs }, options.policy);
    const location = headerValue(response.headers.location);
    if (REDIRECT_STATUSES.has(response.statusCode) && location) {
      await discard(response.body);
      if (hop >= MAX_REDIRECTS) throw new EgressError(`too many redirects (more than ${MAX_REDIRECTS})`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new EgressError(`the redirect to ${JSON.stringify(location.slice(0, 200))} is not a valid URL`);
      }
      if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = null;
        headers = withoutHeaders(headers, (name) => name === 'content-type' || name === 'content-length');
      }
      if (next.origin !== url.origin) {
        headers = withoutHeaders(headers, options.isCredential);
        // A 307/308 resends the body as it is; a secret in it must not reach another origin.
        if (body !== null && options.carriesSecret(body.toString('utf8'))) {
          throw new EgressError(`the redirect to ${next.origin} was not followed: it would resend a request body carrying a secret to another origin`);
        }
      }
      url = next;
      continue;
    }
    const buffer = await readBody(response, method, options.maxBodyBytes);
    return { status: response.statusCode, url: url.href, headers: flattenHeaders(response.headers), body: buffer };
  }
}

function withoutHeaders(headers: Record<string, string>, drop: (name: string, value: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!drop(name.toLowerCase(), value)) out[name] = value;
  return out;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function discard(body: HopResponse['body']): Promise<void> {
  try {
    if (body.dump) await body.dump();
    else body.destroy();
  } catch {
    // A body that fails while being discarded does not matter.
  }
}

export class BodyTooLargeError extends EgressError {}

/** Reads the body, decompressing gzip/deflate/br, and fails as soon as it passes the cap. */
async function readBody(response: HopResponse, method: string, maxBytes: number): Promise<Buffer> {
  const raw = response.body;
  if (method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304) {
    await discard(raw);
    return Buffer.alloc(0);
  }
  const tooLarge = () => new BodyTooLargeError(`the response body is larger than ${formatBytes(maxBytes)}`);
  const declared = Number(headerValue(response.headers['content-length']));
  const encodings = (headerValue(response.headers['content-encoding']) ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  if (encodings.length === 0 && Number.isFinite(declared) && declared > maxBytes) {
    raw.destroy();
    throw tooLarge();
  }
  let stream: Readable = raw;
  const decoders: Readable[] = [];
  for (const encoding of encodings.reverse()) {
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
    if (!decoder) break; // An encoding we cannot undo: hand the bytes over as they came.
    stream = stream.pipe(decoder);
    decoders.push(decoder);
  }
  // Compressed input is capped too, so a stream that never inflates still ends.
  let rawBytes = 0;
  if (decoders.length > 0) {
    raw.on('data', (chunk: Buffer) => {
      rawBytes += chunk.length;
      if (rawBytes > maxBytes) stream.destroy(tooLarge());
    });
    raw.on('error', (error) => stream.destroy(error));
    for (const decoder of decoders) decoder.on('error', (error) => stream.destroy(error));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (error) {
    raw.destroy();
    for (const decoder of decoders) decoder.destroy();
    throw error;
  }
  return Buffer.concat(chunks, size);
}

/** A short, path-free reason for a failed call, for the guest's Error and the run log. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof EgressError) return error.message;
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (e?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT') return `timed out after ${formatMs(timeoutMs)}`;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connect timed out after ${formatMs(CONNECT_TIMEOUT_MS)}`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `the response body stalled for ${formatMs(BODY_IDLE_TIMEOUT_MS)}`;
    case 'UND_ERR_HEADERS_OVERFLOW':
      return `the response headers are larger than ${formatBytes(MAX_HEADER_BYTES)}`;
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was closed by the server';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'ERR_PADDING_1':
      return 'the response body is not validly compressed';
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return 'aborted';
  }
  if (e?.name === 'AbortError') return 'aborted';
  if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|ALTNAME/i.test(code)) return `TLS error (${code})`;
  if (typeof code === 'string') return `network error (${code})`;
  return 'network error';
}
