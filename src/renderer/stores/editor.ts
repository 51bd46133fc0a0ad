// The workflow editor's store: the open workflow and its draft, the problems in its code, the Test
// panel, its versions and activation, one slice each (stores/editor/). All of the editor's state
// is here, in one zustand store; this file is what the views import.
import { create } from 'zustand';
import { createActivationSlice } from './editor/activation.ts';
import { createDocumentSlice } from './editor/document.ts';
import { createProblemsSlice } from './editor/problems.ts';
import type { EditorState } from './editor/slice.ts';
import { createTestSlice } from './editor/test-panel.ts';
import { createVersionsSlice } from './editor/versions.ts';

export { exampleForType, isDirty, NEW_SCHEDULED_WORKFLOW_CODE, NEW_WORKFLOW_CODE, NEW_WORKFLOW_FIELDS } from './editor/fields.ts';
export { testInputKey, type TestSettings } from './editor/test-panel.ts';

export const useEditor = create<EditorState>()((...a) => ({
  ...createDocumentSlice(...a),
  ...createProblemsSlice(...a),
  ...createTestSlice(...a),
  ...createVersionsSlice(...a),
  ...createActivationSlice(...a),
}));
