// Listening beyond loopback is explicit: a public https URL is required, the Host and Origin checks
// accept exactly it (and loopback for tools on the machine), links use it, and the server can speak
// TLS itself. Every connection here goes to 127.0.0.1; the public name only travels in headers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPublicUrl, inspectServer } from '../../src/main/engine/index.ts';
import { closeSharedSandbox, startTestServer, type TestServer } from '../helpers/server.ts';
import { vigil } from '../helpers/cli.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';

afterAll(async () => {
  await closeSharedSandbox();
});

/** A GET to 127.0.0.1:port with the given Host and Origin, over http or https (any certificate). */
function get(port: number, path: string, headers: Record<string, string>, tls = false): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const send = tls ? httpsRequest : httpRequest;
    const req = send({ host: '127.0.0.1', port, path, headers, rejectUnauthorized: false, servername: 'vigil.corp.example' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the public URL', () => {
  it('is an https origin, nothing else', () => {
    expect(checkPublicUrl('https://vigil.corp.example').origin).toBe('https://vigil.corp.example');
    expect(checkPublicUrl('https://vigil.corp.example:8443/').host).toBe('vigil.corp.example:8443');
    expect(() => checkPublicUrl('http://vigil.corp.example')).toThrow(/must be https/);
    expect(() => checkPublicUrl('https://vigil.corp.example/vigil')).toThrow(/origin only/);
    expect(() => checkPublicUrl('https://user:pw@vigil.corp.example')).toThrow(/origin only/);
    expect(() => checkPublicUrl('vigil.corp.example')).toThrow(/not a URL/);
  });

  it('is required to listen on anything but loopback', async () => {
    await expect(startTestServer({ host: '0.0.0.0' })).rejects.toThrow(/--public-url/);
  });
});

describe('a server listening on every interface behind a proxy', () => {
  let t: TestServer;
  afterAll(async () => {
    await t?.close();
  });

  it('accepts the public Host and Origin, refuses others, and hands out public links', async () => {
    t = await startTestServer({ host: '0.0.0.0', publicUrl: 'https://vigil.corp.example' });
    const port = t.server.port;
    const auth = { authorization: `Bearer ${t.keys.human}` };

    expect((await get(port, '/v1/workflows', { ...auth, host: 'vigil.corp.example', origin: 'https://vigil.corp.example' })).status).toBe(200);
    // Tools on the machine itself (the CLI, server.json's health probe) dial loopback.
    expect((await get(port, '/v1/workflows', { ...auth, host: `127.0.0.1:${port}` })).status).toBe(200);

    const rebound = await get(port, '/v1/workflows', { ...auth, host: 'evil.example' });
    expect(rebound.status).toBe(421);
    expect(rebound.body.error.message).toContain('vigil.corp.example');
    const foreign = await get(port, '/v1/workflows', { ...auth, host: 'vigil.corp.example', origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    // The public URL is https: a page served over plain http under its name is another origin.
    expect((await get(port, '/v1/workflows', { ...auth, host: 'vigil.corp.example', origin: 'http://vigil.corp.example' })).status).toBe(403);

    expect(t.server.publicUrl).toBe('https://vigil.corp.example');
    expect(t.server.url).toBe(`http://127.0.0.1:${port}`);
    expect(t.server.engine.baseUrl).toBe('https://vigil.corp.example');
    // server.json names the address local tools dial, and they find the server alive there.
    expect((await inspectServer(t.dataDir)).status).toBe('running');
  });
});

describe('a server with its own certificate', () => {
  let t: TestServer;
  afterAll(async () => {
    await t?.close();
  });

  it('speaks TLS, and server.json still finds it alive', async () => {
    const tls = selfSignedCertificate('vigil.corp.example');
    t = await startTestServer({ host: '127.0.0.1', publicUrl: 'https://vigil.corp.example:8443', tls });
    const port = t.server.port;
    expect(t.server.url).toBe(`https://127.0.0.1:${port}`);
    const res = await get(port, '/v1/workflows', { authorization: `Bearer ${t.keys.human}`, host: 'vigil.corp.example:8443' }, true);
    expect(res.status).toBe(200);
    expect((await inspectServer(t.dataDir)).status).toBe('running');
  });
});

describe('vigil serve', () => {
  it('refuses half a TLS pair, an http public URL and a file that is not PEM, before starting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-serve-'));
    const half = await vigil(['serve', '--tls-cert', 'cert.pem', '--data-dir', dataDir]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--tls-cert and --tls-key go together/);
    const plain = await vigil(['serve', '--public-url', 'http://vigil.corp.example', '--data-dir', dataDir]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/must be https/);
    writeFileSync(join(dataDir, 'not.pem'), 'hello');
    const notPem = await vigil(['serve', '--tls-cert', join(dataDir, 'not.pem'), '--tls-key', join(dataDir, 'not.pem'), '--data-dir', dataDir]);
    expect(notPem.code).toBe(2);
    expect(notPem.stderr).toMatch(/not a PEM file/);
  });
});
