// A small Monaco JSON editor with schema validation (the test panel's mock responses).
import { useEffect, useRef } from 'react';
import { EDITOR_FONT, monaco, themeName } from './setup.ts';

let counter = 0;

export function JsonEditor({
  value,
  onChange,
  label,
  fileName,
  onSubmit,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  /** Schema matching is by file name: "…mocks.json" gets the mocks schema. */
  fileName: string;
  onSubmit?: () => void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const latest = useRef({ onChange, onSubmit });
  latest.current = { onChange, onSubmit };

  useEffect(() => {
    if (!container.current) return;
    const model = monaco.editor.createModel(value, 'json', monaco.Uri.parse(`inmemory://vigil/${++counter}-${fileName}`));
    const editor = monaco.editor.create(container.current, {
      model,
      ariaLabel: label,
      theme: themeName(),
      automaticLayout: true,
      minimap: { enabled: false },
      fontFamily: EDITOR_FONT,
      fontSize: 12,
      lineNumbers: 'off',
      folding: false,
      glyphMargin: false,
      lineDecorationsWidth: 6,
      scrollBeyondLastLine: false,
      fixedOverflowWidgets: true,
      tabSize: 2,
      renderLineHighlight: 'none',
    });
    editorRef.current = editor;
    const sub = model.onDidChangeContent(() => latest.current.onChange(model.getValue()));
    editor.addAction({
      id: 'vigil.runTest',
      label: 'Run test',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => latest.current.onSubmit?.(),
    });
    return () => {
      sub.dispose();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
    };
    // Created once per mount; later value changes arrive through the effect below.
  }, []);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model && model.getValue() !== value) model.setValue(value);
  }, [value]);

  return <div ref={container} className="monaco-host json-host" />;
}
