// Side-by-side diff of two saved versions (Monaco's own diff editor, read-only).
import { useEffect, useRef } from 'react';
import { EDITOR_FONT, monaco, themeName } from './setup.ts';

let counter = 0;

export function DiffView({ original, modified, label }: { original: string; modified: string; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const diffRef = useRef<monaco.editor.IStandaloneDiffEditor | null>(null);
  const models = useRef<{ original: monaco.editor.ITextModel; modified: monaco.editor.ITextModel } | null>(null);

  useEffect(() => {
    if (!container.current) return;
    const id = ++counter;
    // Plain text models: the diff needs colours, not a second TypeScript program with its own errors.
    const originalModel = monaco.editor.createModel(original, 'typescript', monaco.Uri.parse(`inmemory://vigil/diff-${id}-a.ts`));
    const modifiedModel = monaco.editor.createModel(modified, 'typescript', monaco.Uri.parse(`inmemory://vigil/diff-${id}-b.ts`));
    const diff = monaco.editor.createDiffEditor(container.current, {
      theme: themeName(),
      readOnly: true,
      originalEditable: false,
      renderSideBySide: true,
      // The code column is often narrower than Monaco's inline breakpoint; keep two sides anyway.
      useInlineViewWhenSpaceIsLimited: false,
      automaticLayout: true,
      minimap: { enabled: false },
      renderOverviewRuler: false,
      fontFamily: EDITOR_FONT,
      fontSize: 13,
      scrollBeyondLastLine: false,
      renderValidationDecorations: 'off',
      ariaLabel: label,
      originalAriaLabel: `${label}: older version`,
      modifiedAriaLabel: `${label}: newer version`,
    });
    diff.setModel({ original: originalModel, modified: modifiedModel });
    diffRef.current = diff;
    models.current = { original: originalModel, modified: modifiedModel };
    return () => {
      diff.dispose();
      originalModel.dispose();
      modifiedModel.dispose();
      diffRef.current = null;
      models.current = null;
    };
  }, []);

  useEffect(() => {
    if (models.current && models.current.original.getValue() !== original) models.current.original.setValue(original);
  }, [original]);
  useEffect(() => {
    if (models.current && models.current.modified.getValue() !== modified) models.current.modified.setValue(modified);
  }, [modified]);

  return <div ref={container} className="monaco-host diff-host" />;
}
