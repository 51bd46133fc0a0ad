// The editor store is made of slices, one concern each; every slice sees the whole state, since
// opening a workflow resets them all and an edit to the code concerns the test panel too.
import type { StateCreator } from 'zustand';
import type { ActivationSlice } from './activation.ts';
import type { DocumentSlice } from './document.ts';
import type { ProblemsSlice } from './problems.ts';
import type { TestSlice } from './test-panel.ts';
import type { VersionsSlice } from './versions.ts';

export type EditorState = DocumentSlice & ProblemsSlice & TestSlice & VersionsSlice & ActivationSlice;

export type EditorSlice<T> = StateCreator<EditorState, [], [], T>;
