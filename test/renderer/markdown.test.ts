import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from '../../src/renderer/lib/markdown.ts';

describe('markdown for documentation previews', () => {
  it('reads blocks', () => {
    const tree = parseMarkdown('# Block an IP\n\nCalls the **firewall**.\nSecond line.\n\n- one\n- two\n\n1. first\n2. second\n\n```ts\nconst a = 1;\n```\n\n> quoted\n\n---');
    expect(tree.map((b) => b.type)).toEqual(['heading', 'paragraph', 'list', 'list', 'code', 'quote', 'rule']);
    expect(tree[2]).toMatchObject({ type: 'list', ordered: false, items: [[{ type: 'text', text: 'one' }], [{ type: 'text', text: 'two' }]] });
    expect(tree[3]).toMatchObject({ type: 'list', ordered: true });
    expect(tree[4]).toEqual({ type: 'code', lang: 'ts', text: 'const a = 1;' });
  });

  it('reads inline code, emphasis and links', () => {
    expect(parseInline('use `ctx.http` and **not** _fetch_')).toEqual([
      { type: 'text', text: 'use ' },
      { type: 'code', text: 'ctx.http' },
      { type: 'text', text: ' and ' },
      { type: 'strong', children: [{ type: 'text', text: 'not' }] },
      { type: 'text', text: ' ' },
      { type: 'em', children: [{ type: 'text', text: 'fetch' }] },
    ]);
    expect(parseInline('[docs](https://example.com/a)')).toEqual([
      { type: 'link', href: 'https://example.com/a', children: [{ type: 'text', text: 'docs' }] },
    ]);
    expect(parseInline('snake_case_name stays')).toEqual([{ type: 'text', text: 'snake_case_name stays' }]);
  });

  it('never makes a script link, and raw HTML stays text', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,x')).toBeNull();
    expect(parseInline('[click](javascript:alert(1))')).toEqual([
      { type: 'text', text: 'click' },
      { type: 'text', text: ')' },
    ]);
    expect(parseMarkdown('<img src=x onerror=alert(1)>')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: '<img src=x onerror=alert(1)>' }] },
    ]);
  });
});
