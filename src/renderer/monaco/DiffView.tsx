// Side-by-side diff (Monaco's own diff editor, read-only): two saved versions in the history, or
// the editor's code against a generated proposal.
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { EDITOR_FONT, monaco, themeName } from './setup.ts';

let counter = 0;

export interface DiffViewHandle {
  /** Scrolls the right-hand side to a line and puts the cursor there. */
  revealModified(line: number, column?: number): void;
}

interface Props {
  original: string;
  modified: string;
  label: string;
  /** How screen readers name each side. */
  originalLabel?: string;
  modifiedLabel?: string;
}

export const DiffView = forwardRef<DiffViewHandle, Props>(function DiffView(
  { original, modified, label, originalLabel = `${label}: older version`, modifiedLabel = `${label}: newer version` },
  ref,
) {
  const container = useRef<HTMLDivElement>(null);
  const diffRef = useRef<monaco.editor.IStandaloneDiffEditor | null>(null);
  const models = useRef<{ original: monaco.editor.ITextModel; modified: monaco.editor.ITextModel } | null>(null);
  const labels = useRef({ label, originalLabel, modifiedLabel });

  useImperativeHandle(ref, () => ({
    revealModified(line, column = 1) {
      const editor = diffRef.current?.getModifiedEditor();
      if (!editor) return;
      editor.setPosition({ lineNumber: line, column });
      editor.revealLineInCenter(line);
      editor.focus();
    },
  }));

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
      ariaLabel: labels.current.label,
      originalAriaLabel: labels.current.originalLabel,
      modifiedAriaLabel: labels.current.modifiedLabel,
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
    // Created once per mount; later text changes arrive through the effects below.
  }, []);

  useEffect(() => {
    if (models.current && models.current.original.getValue() !== original) models.current.original.setValue(original);
  }, [original]);
  useEffect(() => {
    if (models.current && models.current.modified.getValue() !== modified) models.current.modified.setValue(modified);
  }, [modified]);

  return <div ref={container} className="monaco-host diff-host" />;
});
