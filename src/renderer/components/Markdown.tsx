// Renders the Markdown tree as React elements (text is never parsed as HTML). Links open in the
// system browser: through the app's bridge in Electron, in a new tab otherwise.
import { Fragment, useMemo, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from '../lib/markdown.ts';

function openLink(event: React.MouseEvent<HTMLAnchorElement>, href: string) {
  const bridge = window.vigil;
  if (bridge && href.startsWith('https:')) {
    event.preventDefault();
    void bridge.openExternal(href);
  }
}

function inline(nodes: Inline[]): ReactNode {
  return nodes.map((node, index) => {
    switch (node.type) {
      case 'text':
        return <Fragment key={index}>{node.text}</Fragment>;
      case 'code':
        return <code key={index}>{node.text}</code>;
      case 'strong':
        return <strong key={index}>{inline(node.children)}</strong>;
      case 'em':
        return <em key={index}>{inline(node.children)}</em>;
      case 'break':
        return <br key={index} />;
      case 'link':
        return (
          <a key={index} href={node.href} target="_blank" rel="noopener noreferrer" onClick={(e) => openLink(e, node.href)}>
            {inline(node.children)}
          </a>
        );
    }
  });
}

function blocks(nodes: Block[]): ReactNode {
  return nodes.map((node, index) => {
    switch (node.type) {
      case 'heading': {
        const Tag = `h${Math.min(6, node.level + 2)}` as 'h3';
        return <Tag key={index}>{inline(node.children)}</Tag>;
      }
      case 'paragraph':
        return <p key={index}>{inline(node.children)}</p>;
      case 'list': {
        const Tag = node.ordered ? 'ol' : 'ul';
        return (
          <Tag key={index}>
            {node.items.map((item, i) => (
              <li key={i}>{inline(item)}</li>
            ))}
          </Tag>
        );
      }
      case 'code':
        return (
          <pre key={index}>
            <code>{node.text}</code>
          </pre>
        );
      case 'quote':
        return <blockquote key={index}>{blocks(node.children)}</blockquote>;
      case 'rule':
        return <hr key={index} />;
    }
  });
}

export function Markdown({ source, empty }: { source: string; empty?: ReactNode }) {
  const tree = useMemo(() => parseMarkdown(source), [source]);
  if (tree.length === 0) return <div className="markdown muted">{empty ?? 'Nothing written yet.'}</div>;
  return <div className="markdown">{blocks(tree)}</div>;
}
