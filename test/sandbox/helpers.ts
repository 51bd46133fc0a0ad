// Shared pieces of the sandbox suites: a real sandbox host, run requests, loopback upstreams and a
// loopback DNS stub. Every server listens on 127.0.0.1; nothing here dials anywhere else.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSandboxHost, type RunOutcome, type RunRequest, type SandboxHost, type SandboxHostOptions } from '../../src/main/sandbox/index.ts';

export type Overrides = Partial<Omit<RunRequest, 'input'>> & { input?: Partial<RunRequest['input']> };

let counter = 0;

/** A run request for `code`; small limits by default so hostile runs end fast. */
export function request(code: string, overrides: Overrides = {}): RunRequest {
  counter++;
  const { input, ...rest } = overrides;
  return {
    runId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    workflow: { uuid: '11111111-1111-4111-8111-111111111111', name: 'test workflow', version: 3 },
    trigger: 'agent',
    code,
    input: {
      indicator: { type: 'ip', value: '198.51.100.7', malice: 'Malicious', enrichment: { asn: 64500 } },
      alert: null,
      alert_uuid: null,
      context: null,
      ...input,
    },
    secrets: {},
    declaredSecrets: [],
    allowedHosts: [],
    timeoutMs: 5_000,
    ...rest,
    limits: { cpuMs: 400, memoryBytes: 16 * 1024 * 1024, ...rest.limits },
  };
}

export const BENIGN = `
import { sha256 } from "vigil";
export async function run(ctx) {
  if (({} as any).polluted !== undefined || (Object.prototype as any).polluted !== undefined) return ctx.fail("polluted");
  if (typeof Array.prototype.push !== "function" || JSON.stringify({ a: 1 }) !== '{"a":1}') return ctx.fail("intrinsics changed");
  ctx.log.info("benign run", { value: ctx.indicator.value });
  return ctx.ok("benign", { digest: sha256("abc") });
}`;

export const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

/** One sandbox process per test file, closed after it. */
export function sandbox(options: SandboxHostOptions = {}) {
  let host: SandboxHost | null = null;
  return {
    get host(): SandboxHost {
      host ??= createSandboxHost({ workers: 2, ...options });
      return host;
    },
    run(code: string, overrides: Overrides = {}, signal?: AbortSignal): Promise<RunOutcome> {
      return this.host.run(request(code, overrides), signal);
    },
    async close(): Promise<void> {
      await host?.close();
      host = null;
    },
  };
}

export interface Upstream {
  url: string;
  port: number;
  hits: IncomingMessage[];
  bodies: string[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (reachable from runs only with allowedHosts ['127.0.0.1']). */
export async function upstream(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Upstream> {
  const hits: IncomingMessage[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      hits.push(req);
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      handler(req, res, body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 2048, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface DnsStub {
  server: string;
  queries: string[];
  close(): Promise<void>;
}

/** A loopback DNS server answering A records from `records` (name → IPv4); everything else NXDOMAIN. */
export async function dnsStub(records: Record<string, string>): Promise<DnsStub> {
  const socket: UdpSocket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (query, peer) => {
    if (query.length < 12) return;
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length && query[offset] !== 0) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString('ascii'));
      offset += length + 1;
    }
    offset++;
    const qtype = query.readUInt16BE(offset);
    const questionEnd = offset + 4;
    const name = labels.join('.').toLowerCase();
    queries.push(`${name}/${qtype}`);
    const address = records[name];
    const answer = address !== undefined && qtype === 1;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(address === undefined ? 0x8183 : 0x8180, 2); // NXDOMAIN, or NOERROR
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer ? 1 : 0, 6);
    const parts = [header, query.subarray(12, questionEnd)];
    if (answer) {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0);
      record.writeUInt16BE(1, 2);
      record.writeUInt16BE(1, 4);
      record.writeUInt32BE(60, 6);
      record.writeUInt16BE(4, 10);
      address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
      parts.push(record);
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
