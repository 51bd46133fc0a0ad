// What generation needs when it runs and start-up does not: the prompt material and the repair
// loop with its lint and type checks, which bring TypeScript itself (a large import). The door
// loads this file on first use.
export { generateWorkflow, MAX_ATTEMPTS } from './generate.ts';
export { loadPromptMaterial } from './prompt.ts';
export { findMaterialRoot } from '../paths.ts';
