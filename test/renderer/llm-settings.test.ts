import { describe, expect, it } from 'vitest';
import { buildLlmUpdate, type LlmForm } from '../../src/renderer/stores/settings.ts';

const form = (overrides: Partial<LlmForm> = {}): LlmForm => ({
  provider: 'openai_compatible',
  model: ' qwen2.5-coder:14b ',
  baseUrl: ' http://127.0.0.1:11434/v1 ',
  timeout: '120',
  structuredOutput: 'tool',
  key: { mode: 'keep' },
  ...overrides,
});

describe('the LLM provider form', () => {
  it('sends the key only when one is typed or removed; keeping it sends nothing about it', () => {
    expect(buildLlmUpdate(form())).toEqual({
      update: {
        provider: 'openai_compatible',
        model: 'qwen2.5-coder:14b',
        base_url: 'http://127.0.0.1:11434/v1',
        timeout_seconds: 120,
        structured_output: 'tool',
      },
    });
    expect(buildLlmUpdate(form({ key: { mode: 'replace', value: 'sk-new' } }))).toMatchObject({ update: { api_key: 'sk-new' } });
    expect(buildLlmUpdate(form({ key: { mode: 'replace', value: '' } }))).not.toHaveProperty('update.api_key');
    expect(buildLlmUpdate(form({ key: { mode: 'remove' } }))).toMatchObject({ update: { api_key: null } });
  });

  it('turns generation off with provider null, and leaves the Anthropic defaults to the server', () => {
    expect(buildLlmUpdate(form({ provider: '' }))).toEqual({ update: { provider: null } });
    expect(buildLlmUpdate(form({ provider: 'anthropic', model: '', baseUrl: '' }))).toEqual({
      update: { provider: 'anthropic', model: null, base_url: null, timeout_seconds: 120 },
    });
  });

  it('refuses a timeout that is not a whole number of seconds in range', () => {
    for (const timeout of ['', '0', '1.5', '1801', 'soon']) {
      expect(buildLlmUpdate(form({ timeout }))).toHaveProperty('errors.timeout_seconds');
    }
  });
});
