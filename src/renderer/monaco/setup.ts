// Monaco, configured once: only the parts the console uses, every worker bundled by Vite from the
// local package (no CDN, works offline, no eval), the "vigil" ctx types as an extra lib so hover
// and `ctx.` completion document the API, and themes that follow the OS.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/features/register.all.js';
import 'monaco-editor/languages/definitions/typescript/register.js';
import { ModuleKind, ModuleResolutionKind, ScriptTarget, typescriptDefaults } from 'monaco-editor/languages/features/typescript/register.js';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker.js?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker.js?worker';
import { WORKFLOW_TYPE_CHECK_OPTIONS } from '../../shared/typecheck.ts';
import vigilTypes from '../../shared/vigil.d.ts?raw';
import { MOCKS_SCHEMA } from './mocksSchema.ts';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

window.MonacoEnvironment = {
  getWorker(_workerId, label) {
    if (label === 'typescript' || label === 'javascript') return new TsWorker();
    if (label === 'json') return new JsonWorker();
    return new EditorWorker();
  },
};

// Inside the sandbox URL, URLSearchParams, TextEncoder and TextDecoder are globals (vigil.d.ts
// declares them in the "vigil" module); without a DOM lib the editor needs them declared here.
const SANDBOX_GLOBALS = `
declare var URL: typeof import("vigil").URL;
type URL = import("vigil").URL;
declare var URLSearchParams: typeof import("vigil").URLSearchParams;
type URLSearchParams = import("vigil").URLSearchParams;
declare var TextEncoder: typeof import("vigil").TextEncoder;
type TextEncoder = import("vigil").TextEncoder;
declare var TextDecoder: typeof import("vigil").TextDecoder;
type TextDecoder = import("vigil").TextDecoder;
`;

typescriptDefaults.setCompilerOptions({
  target: ScriptTarget.ES2020,
  module: ModuleKind.ESNext,
  moduleResolution: ModuleResolutionKind.NodeJs,
  // Workflows run in QuickJS, not a browser or Node: the language library only, no DOM, no @types/node.
  lib: ['es2023'],
  // The type errors shown here are the ones the engine reports on save and `vigil lint --typecheck`.
  ...WORKFLOW_TYPE_CHECK_OPTIONS,
  allowNonTsExtensions: true,
  noEmit: true,
});
typescriptDefaults.addExtraLib(vigilTypes, 'file:///node_modules/@types/vigil/index.d.ts');
typescriptDefaults.addExtraLib(SANDBOX_GLOBALS, 'file:///node_modules/@types/vigil-globals/index.d.ts');
typescriptDefaults.setEagerModelSync(true);

jsonDefaults.setDiagnosticsOptions({
  validate: true,
  allowComments: false,
  schemas: [{ uri: 'vigil://schemas/mocks.json', fileMatch: ['*mocks.json'], schema: MOCKS_SCHEMA }],
});

const dark = window.matchMedia('(prefers-color-scheme: dark)');

monaco.editor.defineTheme('vigil-light', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#ffffff', 'editorGutter.background': '#ffffff', 'editorLineNumber.foreground': '#9aa1ad' },
});
monaco.editor.defineTheme('vigil-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#1b1e23', 'editorGutter.background': '#1b1e23', 'editorLineNumber.foreground': '#5d6470' },
});

export const themeName = () => (dark.matches ? 'vigil-dark' : 'vigil-light');
monaco.editor.setTheme(themeName());
dark.addEventListener('change', () => monaco.editor.setTheme(themeName()));

export const EDITOR_FONT = 'ui-monospace, "SF Mono", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';

export { monaco };
