import { describe, expect, it } from 'vitest';
import { describeStatuses, formatEndpoint, isSuccessStatus, secretReferences, validateEndpoint } from '../../src/shared/endpoint.ts';

describe('endpoint configuration', () => {
  it('fills in the defaults of a bare url', () => {
    expect(validateEndpoint({ url: ' https://hooks.example.com/x ' }, [])).toEqual({
      ok: true,
      config: { url: 'https://hooks.example.com/x', method: 'POST', headers: {}, hmac: null, timeout_seconds: 30, success_statuses: ['2xx'] },
    });
  });

  it('accepts a method in any case, status classes in any case and hmac defaults', () => {
    const result = validateEndpoint({ url: 'http://h.example/', method: 'patch', success_statuses: [204, '2XX'], hmac: { secret: 'KEY' } }, ['KEY']);
    expect(result).toMatchObject({
      ok: true,
      config: { method: 'PATCH', success_statuses: [204, '2xx'], hmac: { secret: 'KEY', header: 'X-Vigil-Signature', algorithm: 'sha256' } },
    });
  });

  it('refuses credentials in the url, malformed references and a signature header given twice', () => {
    const result = validateEndpoint(
      {
        url: 'https://user:pass@h.example/',
        headers: { 'X-Token': '{{secret:1BAD}}', 'X-Signature': 'fixed' },
        hmac: { secret: 'KEY', header: 'x-signature' },
      },
      ['KEY'],
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual(['url', 'headers.X-Token', 'hmac.header']);
  });

  it('writes the same text for the same configuration, whatever the key order', () => {
    const a = validateEndpoint({ url: 'https://h.example/', headers: { A: '1' }, method: 'PUT' }, []);
    const b = validateEndpoint({ method: 'PUT', headers: { A: '1' }, url: 'https://h.example/' }, []);
    if (!a.ok || !b.ok) throw new Error('expected valid configurations');
    expect(formatEndpoint(a.config)).toBe(formatEndpoint(b.config));
    expect(Object.keys(JSON.parse(formatEndpoint(a.config)))).toEqual(['url', 'method', 'headers', 'hmac', 'timeout_seconds', 'success_statuses']);
  });

  it('finds secret references and matches statuses', () => {
    expect(secretReferences('Bearer {{secret:A}} and {{ secret:B_2 }}')).toEqual(['A', 'B_2']);
    expect(isSuccessStatus(204, ['2xx'])).toBe(true);
    expect(isSuccessStatus(302, ['2xx', 404])).toBe(false);
    expect(isSuccessStatus(404, ['2xx', 404])).toBe(true);
    expect(describeStatuses([200, 202, '3xx'])).toBe('200, 202 or 3xx');
  });
});
