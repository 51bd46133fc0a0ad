import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/shared/sse.ts';
import { reconnectDelay } from '../../src/renderer/api/events.ts';

describe('SSE parser', () => {
  it('parses events with ids, types, multi-line data and comments', () => {
    const parser = new SseParser();
    const messages = parser.push(
      'retry: 2000\n: connected\n\nid: 7\nevent: run.queued\ndata: {"run_uuid":"a"}\n\n: keep-alive\n\ndata: line 1\ndata: line 2\n\n',
    );
    expect(messages).toEqual([
      { id: '7', event: 'run.queued', data: '{"run_uuid":"a"}' },
      { id: '7', event: 'message', data: 'line 1\nline 2' },
    ]);
    expect(parser.retryMs).toBe(2000);
    expect(parser.lastEventId).toBe('7');
  });

  it('joins events split across chunks anywhere, including inside a CRLF', () => {
    const text = 'id: 1\r\nevent: approval.created\r\ndata: {"approval_uuid":"x"}\r\n\r\nid: 2\r\nevent: run.finished\r\ndata: {}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const messages = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(messages.map((m) => [m.id, m.event, m.data])).toEqual([
        ['1', 'approval.created', '{"approval_uuid":"x"}'],
        ['2', 'run.finished', '{}'],
      ]);
    }
  });

  it('ignores events without data, unknown fields and ids with NUL', () => {
    const parser = new SseParser();
    expect(parser.push('event: nothing\n\nfoo: bar\nid: a\0b\ndata: x\n\n')).toEqual([{ id: null, event: 'message', data: 'x' }]);
  });

  it('backs off reconnects up to 30 s, from the delay the server asked for', () => {
    expect(reconnectDelay(0, 2000)).toBe(2000);
    expect(reconnectDelay(1, 2000)).toBe(4000);
    expect(reconnectDelay(10, 2000)).toBe(30_000);
    expect(reconnectDelay(0, null)).toBe(2000);
  });
});
