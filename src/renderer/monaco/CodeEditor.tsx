// The workflow code editor: Monaco with the ctx types, live lint markers from the shared linter
// (in a web worker, stale answers dropped), the TypeScript worker's type errors passed on to the
// Problems list, Ctrl/Cmd+S and Ctrl/Cmd+Enter.
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import LintWorker from '../lint/lint.worker.ts?worker';
import { LintScheduler, type LintResponse } from '../lint/protocol.ts';
import type { LintProblemView } from '../api/types.ts';
import { EDITOR_FONT, monaco, themeName } from './setup.ts';

export interface CodeEditorHandle {
  reveal(line: number, column: number): void;
  focus(): void;
}

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** Problems to mark: the live lint plus those of a refused save. */
  problems: LintProblemView[];
  declaredSecrets: string[];
  readOnly: boolean;
  onLint: (problems: LintProblemView[]) => void;
  onLintError: (message: string | null) => void;
  /** The type errors Monaco underlines, as Problems entries (warnings with source "typescript"). */
  onTypeProblems: (problems: LintProblemView[]) => void;
  onSave: () => void;
  onRunTest: () => void;
}

const LINT_DELAY_MS = 120;
const MARKER_OWNER = 'vigil-lint';
/** The owner Monaco's TypeScript diagnostics use for their markers: the language id. */
const TYPESCRIPT_OWNER = 'typescript';

// One lint worker for the page: it is stateless, and starting one parses the linter again.
let sharedWorker: Worker | null = null;
const listeners = new Set<(response: LintResponse) => void>();
function lintWorker(): Worker {
  if (!sharedWorker) {
    sharedWorker = new LintWorker();
    sharedWorker.onmessage = (event: MessageEvent<LintResponse>) => {
      for (const listener of listeners) listener(event.data);
    };
  }
  return sharedWorker;
}

export function toMarker(problem: LintProblemView): monaco.editor.IMarkerData {
  const sameSpot = problem.endLine === problem.line && problem.endColumn <= problem.column;
  return {
    severity: problem.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
    message: problem.message,
    code: problem.rule,
    source: 'vigil lint',
    startLineNumber: problem.line,
    startColumn: problem.column,
    endLineNumber: problem.endLine || problem.line,
    // A zero-width range would draw nothing; underline at least one character.
    endColumn: sameSpot ? problem.column + 1 : problem.endColumn,
  };
}

/**
 * Monaco's TypeScript markers as Problems entries. Errors and warnings only: its suggestions
 * ("could be converted to an async function") are hints, not problems. Type errors are warnings
 * here, as on save and in `vigil lint --typecheck`: the sandbox runs the code whatever its types.
 */
export function typeProblemsOf(markers: monaco.editor.IMarker[]): LintProblemView[] {
  return markers
    .filter((marker) => marker.severity >= monaco.MarkerSeverity.Warning)
    .map((marker) => ({
      rule: `TS${typeof marker.code === 'object' ? marker.code.value : (marker.code ?? '')}`,
      severity: 'warning',
      source: 'typescript',
      message: marker.message,
      line: marker.startLineNumber,
      column: marker.startColumn,
      endLine: marker.endLineNumber,
      endColumn: marker.endColumn,
    }));
}

let modelCounter = 0;

export const CodeEditor = forwardRef<CodeEditorHandle, Props>(function CodeEditor(props, ref) {
  const container = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const relint = useRef<(() => void) | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useImperativeHandle(ref, () => ({
    reveal(line, column) {
      const editor = editorRef.current;
      if (!editor) return;
      editor.setPosition({ lineNumber: line, column });
      editor.revealLineInCenterIfOutsideViewport(line);
      editor.focus();
    },
    focus() {
      editorRef.current?.focus();
    },
  }));

  useEffect(() => {
    if (!container.current) return;
    // A model per mount, as a .ts file so the TypeScript service treats it as a module.
    const model = monaco.editor.createModel(
      latest.current.value,
      'typescript',
      monaco.Uri.parse(`file:///workflows/workflow-${++modelCounter}.ts`),
    );
    const editor = monaco.editor.create(container.current, {
      model,
      ariaLabel: 'Workflow code',
      theme: themeName(),
      automaticLayout: true,
      minimap: { enabled: false },
      fontFamily: EDITOR_FONT,
      fontSize: 13,
      lineHeight: 19,
      tabSize: 2,
      scrollBeyondLastLine: false,
      fixedOverflowWidgets: true,
      renderLineHighlight: 'line',
      readOnly: latest.current.readOnly,
      'semanticHighlighting.enabled': true,
    });
    editorRef.current = editor;

    const scheduler = new LintScheduler(
      lintWorker(),
      (problems) => latest.current.onLint(problems),
      (message) => latest.current.onLintError(`The linter failed: ${message}`),
    );
    const onResponse = (response: LintResponse) => scheduler.handle(response);
    listeners.add(onResponse);
    const worker = lintWorker();
    const onWorkerError = () => latest.current.onLintError('The linter could not start in this browser.');
    worker.addEventListener('error', onWorkerError);

    let timer: ReturnType<typeof setTimeout> | undefined;
    const lintNow = () => scheduler.lint(model.getValue(), latest.current.declaredSecrets);
    lintNow();
    const changes = model.onDidChangeContent(() => {
      latest.current.onChange(model.getValue());
      clearTimeout(timer);
      timer = setTimeout(lintNow, LINT_DELAY_MS);
    });

    editor.addAction({
      id: 'vigil.save',
      label: 'Save workflow',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS],
      run: () => latest.current.onSave(),
    });
    editor.addAction({
      id: 'vigil.runTest',
      label: 'Run test',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run: () => latest.current.onRunTest(),
    });

    relint.current = lintNow;

    const typeMarkers = monaco.editor.onDidChangeMarkers((uris) => {
      if (!uris.some((uri) => uri.toString() === model.uri.toString())) return;
      latest.current.onTypeProblems(typeProblemsOf(monaco.editor.getModelMarkers({ resource: model.uri, owner: TYPESCRIPT_OWNER })));
    });

    return () => {
      clearTimeout(timer);
      typeMarkers.dispose();
      listeners.delete(onResponse);
      worker.removeEventListener('error', onWorkerError);
      changes.dispose();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
      relint.current = null;
    };
  }, []);

  // External changes (open, restore a version, reload): replace the text as one undoable edit.
  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model || model.getValue() === props.value) return;
    editorRef.current!.pushUndoStop();
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: props.value }], () => null);
    editorRef.current!.pushUndoStop();
  }, [props.value]);

  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly: props.readOnly });
  }, [props.readOnly]);

  // Secrets declared in the settings change what the linter accepts: lint again.
  const secretsKey = props.declaredSecrets.join(',');
  useEffect(() => {
    relint.current?.();
  }, [secretsKey]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model) monaco.editor.setModelMarkers(model, MARKER_OWNER, props.problems.map(toMarker));
  }, [props.problems]);

  return <div ref={container} className="monaco-host" />;
});
