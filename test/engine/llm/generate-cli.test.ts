import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openStore } from '../../../src/main/engine/index.ts';
import { updateLlmSettings, type LlmSettingsUpdate } from '../../../src/main/engine/llm/index.ts';
import { createMemorySecretStore, type SecretStore } from '../../../src/main/engine/secrets/index.ts';
import { createGenerateCommand } from '../../../src/main/cli/generate.ts';
import type { CommandIO } from '../../../src/main/cli/command.ts';
import { vigil } from '../../helpers/cli.ts';
import { startLlmStub, type LlmStub } from './stub.ts';
import { answer, GOOD_CODE, REQUIRE_CODE } from './fixtures.ts';

let stub: LlmStub;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-generate-'));
  dirs.push(dir);
  return dir;
}

/** Writes LLM settings into a data folder the way the API would. */
async function configure(dataDir: string, update: LlmSettingsUpdate, credentials: SecretStore = createMemorySecretStore()): Promise<void> {
  const store = openStore(join(dataDir, DATABASE_FILE));
  try {
    await updateLlmSettings({ settings: store.settings, credentials }, update);
  } finally {
    store.close();
  }
}

function captureIO(cwd: string): CommandIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => (out += text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => (err += text.endsWith('\n') ? text : `${text}\n`),
    env: {},
    cwd,
    stdout: () => out,
    stderr: () => err,
  };
}

beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('vigil generate (the command)', () => {
  it('refuses bad usage with exit 2', async () => {
    const noDescription = await vigil(['generate', '--data-dir', tempDir()]);
    expect(noDescription.code).toBe(2);
    expect(noDescription.stderr).toMatch(/say what the workflow should do/);
    const badFlag = await vigil(['generate', 'block an ip', '--model', 'x']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--model/);
    const badType = await vigil(['generate', 'block an ip', '--indicator-types', 'ip,mac']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/unknown indicator type\(s\): mac/);
    const help = await vigil(['generate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--indicator-types/);
  });

  it('says how to configure a provider when none is', async () => {
    const res = await vigil(['generate', 'block an ip', '--data-dir', tempDir()]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/vigil generate: No LLM provider is configured/);
  });

  it('generates against a local OpenAI-compatible server, repairs, and writes the code and mocks', async () => {
    const dataDir = tempDir();
    await configure(dataDir, { provider: 'openai_compatible', base_url: stub.openaiUrl, model: 'llama-coder' });
    stub.script({ kind: 'answer', value: answer(REQUIRE_CODE) }, { kind: 'answer', value: answer(GOOD_CODE) });
    const out = join(dataDir, 'block-ip.ts');
    const res = await vigil(['generate', 'Block the IP on our firewall', '--indicator-types', 'ip', '--type', 'indicator', '--out', out, '--data-dir', dataDir]);
    expect(res.stderr).toMatch(/\[1\/3\] Asking llama-coder to write the workflow/);
    expect(res.stderr).toMatch(/\[1\/3\] \d+ problems? found; asking the model to fix them/);
    expect(res.stderr).toMatch(/\[2\/3\] Done: the code passed the linter, the type check and a test run \(2 attempts\)/);
    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(GOOD_CODE);
    expect(JSON.parse(readFileSync(join(dataDir, 'block-ip.mocks.json'), 'utf8'))).toEqual(answer(GOOD_CODE).mocks);
    expect(res.stdout).toMatch(/Name: +Block IP on the firewall/);
    expect(res.stdout).toMatch(/Secrets: +FIREWALL_API_TOKEN/);
    expect(res.stdout).toMatch(/Checks: +lint passed, type check passed, test run passed \(2 attempts, openai_compatible llama-coder\)/);
    expect(stub.requests[0]!.body.messages[1].content).toContain('Workflow type: indicator');
  });

  it('prints the whole result with --json', async () => {
    const dataDir = tempDir();
    await configure(dataDir, { provider: 'openai_compatible', base_url: stub.openaiUrl, model: 'llama-coder', structured_output: 'tool' });
    stub.script({ kind: 'answer', value: answer(GOOD_CODE) });
    const res = await vigil(['generate', 'Block the IP on our firewall', '--json', '--data-dir', dataDir]);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result).toMatchObject({ generated_code: GOOD_CODE, attempts: 1, warnings: [], checks: { test: 'passed' } });
  });

  it('reads the API key from the credentials store, prints the code, and exits 1 when problems remain', async () => {
    const dataDir = tempDir();
    const credentials = createMemorySecretStore();
    await configure(dataDir, { provider: 'anthropic', base_url: stub.url, api_key: 'sk-ant-cli-key' }, credentials);
    const command = createGenerateCommand({ credentials: () => credentials });

    stub.script({ kind: 'answer', value: answer(GOOD_CODE) });
    const io = captureIO(dataDir);
    expect(await command.run(['Block the IP on our firewall', '--data-dir', dataDir], io)).toBe(0);
    expect(io.stdout()).toBe(GOOD_CODE);
    expect(io.stderr()).toMatch(/Allowed hosts: +fw\.example\.com/);
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer sk-ant-cli-key');

    stub.script({ kind: 'answer', value: answer(REQUIRE_CODE) });
    const failing = captureIO(dataDir);
    expect(await command.run(['Block the IP on our firewall', '--data-dir', dataDir, '--out', 'x.ts'], failing)).toBe(1);
    expect(stub.requests).toHaveLength(3);
    expect(failing.stderr()).toMatch(/\[3\/3\] Done with \d+ unresolved problems after 3 attempts\n$/);
    expect(readFileSync(join(dataDir, 'x.ts'), 'utf8')).toBe(REQUIRE_CODE);
    expect(failing.stdout()).toMatch(/Unresolved problems \(\d+\):\n {2}- \[lint no-require\] \(line 3:12\)/);
    expect(failing.stdout()).not.toContain('sk-ant-cli-key');
  });
});
