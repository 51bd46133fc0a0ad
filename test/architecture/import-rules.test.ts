// The import rules of eslint.config.js (docs/architecture.md) fire: each forbidden import in a room
// is an error, and the door or the room's own imports are not.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function refusals(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = imported;\n`, { filePath: file });
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('import rules', () => {
  it.each([
    ['src/main/engine/runs/example.ts', "import { errorBody as imported } from '../api/errors.ts';", /do not know HTTP/],
    ['src/main/engine/workflows/example.ts', "import { app as imported } from 'electron';", /import electron/],
    ['src/main/cli/example.ts', "import { app as imported } from 'electron';", /import electron/],
    ['src/main/cli.ts', "import { app as imported } from 'electron';", /import electron/],
    ['src/main/cli/example.ts', "import { openStore as imported } from '../engine/db/index.ts';", /through its door, src\/main\/engine\/index\.ts/],
    ['src/main/cli/example.ts', "import { compileWorkflow as imported } from '../sandbox/compile.ts';", /through its door, src\/main\/sandbox\/index\.ts/],
    ['src/renderer/stores/example.ts', "import { openStore as imported } from '../../main/engine/index.ts';", /imports only src\/shared and itself/],
    ['src/renderer/stores/example.ts', "import { readFile as imported } from 'node:fs';", /no Node built-ins/],
    ['src/shared/example.ts', "import { keyView as imported } from '../main/engine/keys/views.ts';", /imports only src\/shared/],
    ['src/shared/example.ts', "import { readFile as imported } from 'node:fs';", /no Node built-ins/],
  ])('%s: %s is refused', async (file, source, reason) => {
    const messages = await refusals(file, source);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(reason);
  });

  it.each([
    ['src/main/engine/runs/example.ts', "import { DomainError as imported } from '../errors.ts';"],
    ['src/main/engine/api/routes/example.ts', "import { httpError as imported } from '../errors.ts';"],
    ['src/main/engine/server.ts', "import { buildApiServer as imported } from './api/server.ts';"],
    ['src/main/cli/example.ts', "import { openStore as imported } from '../engine/index.ts';"],
    ['src/main/cli/example.ts', "import { createSandboxHost as imported } from '../sandbox/index.ts';"],
    ['src/main/shell/example.ts', "import { app as imported } from 'electron';"],
    ['src/renderer/stores/example.ts', "import { SCOPES as imported } from '../../shared/domain.ts';"],
    ['src/main/engine/notify/example.ts', "import { NotifierSettingsUpdate as imported } from '../../../shared/api/notifiers.ts';"],
    ['src/renderer/api/example.ts', "import type { Workflow as imported } from '../../shared/api/index.ts';"],
  ])('%s: %s is allowed', async (file, source) => {
    expect(await refusals(file, source)).toEqual([]);
  });
});
