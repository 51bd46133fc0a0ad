// The structured answer the model submits (a tool call's input or a json_schema response), and
// its validation. What fails validation becomes an `answer` problem fed back to the model, with the
// same limits the workflow API applies on save, so a suggestion can always be saved as given.
import { ALLOWED_HOST, INDICATOR_TYPES, SECRET_NAME, type IndicatorType } from '../../../shared/domain.ts';
import type { GenerationProblem, SuggestedTestInput } from '../../../shared/llm.ts';

export const ANSWER_TOOL_NAME = 'submit_workflow';
export const ANSWER_TOOL_DESCRIPTION =
  'Submit the complete workflow: TypeScript code, a name, documentation, the secrets and hosts it needs, ' +
  'mock HTTP responses for a test run, and the test run\'s input. Always submit every field.';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const MAX_CODE_BYTES = 1024 * 1024;
const MAX_DOCUMENTATION = 64 * 1024;

/** JSON schema of the answer: the tool's input schema / the response_format schema. */
export const ANSWER_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Short name for the workflow list, e.g. "Block IP on Palo Alto firewall" (at most 80 characters).' },
    code: {
      type: 'string',
      description: 'The complete TypeScript module: imports from "vigil" only, and `export async function run(ctx: WorkflowContext): Promise<WorkflowResult>`.',
    },
    documentation: {
      type: 'string',
      description:
        'Markdown for the analysts and AI agents who trigger it: what it does, the indicator types and ctx.input fields it reads, the secrets it needs, side effects, and what success and failure mean.',
    },
    secrets: {
      type: 'array',
      items: { type: 'string' },
      description: 'Every name the code passes to ctx.secrets.get, e.g. ["FIREWALL_API_TOKEN"].',
    },
    allowed_hosts: {
      type: 'array',
      items: { type: 'string' },
      description: 'Every host name the code calls through ctx.http, e.g. ["api.example.com"]. Empty when the host comes from a secret or ctx.input.',
    },
    mocks: {
      type: 'object',
      description:
        'Mock HTTP responses for one offline test run of the code with test_input. Rules are tried in order; the first whose method and URL match answers. Every ctx.http call the code makes on its success path must be answered.',
      properties: {
        responses: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              method: { type: 'string', enum: [...HTTP_METHODS] },
              url: { type: 'string', description: 'The exact URL, or a glob where * matches anything, e.g. "https://api.example.com/v1/ip/*". Without a query string it matches any query.' },
              status: { type: 'integer', description: 'HTTP status, e.g. 200.' },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
              json: { description: 'A JSON response body, shaped like the real API\'s answer.' },
              body: { type: 'string', description: 'A text response body (instead of json).' },
              times: { type: 'integer', minimum: 1, description: 'How many calls this rule answers (default: any number).' },
            },
            required: ['method', 'url', 'status'],
          },
        },
      },
      required: ['responses'],
    },
    test_input: {
      type: 'object',
      description: 'The input of the test run: an indicator the workflow accepts, and ctx.input / ctx.alert when the code reads them.',
      properties: {
        indicator_type: { type: 'string', enum: [...INDICATOR_TYPES] },
        indicator_value: { type: 'string', description: 'A realistic documentation value, e.g. 203.0.113.7 or evil.example.' },
        context: { description: 'The JSON the code reads as ctx.input, or null.' },
        alert: { description: 'The alert object the code reads as ctx.alert, or null.' },
      },
      required: ['indicator_type', 'indicator_value'],
    },
  },
  required: ['name', 'code', 'documentation', 'secrets', 'allowed_hosts', 'mocks', 'test_input'],
};

/** An answer that passed validation (with defaults where the model left optional pieces out). */
export interface Candidate {
  name: string;
  code: string;
  documentation: string;
  secrets: string[];
  allowed_hosts: string[];
  /** As the model wrote them (Vigil's mock format); parsed by the sandbox's parser before the test. */
  mocks: unknown;
  test_input: SuggestedTestInput;
}

/** Sample values per indicator type, for an answer that left the test input out. */
const SAMPLE_VALUES: Record<IndicatorType, string> = {
  ip: '203.0.113.7',
  domain: 'malicious.example',
  hash_md5: '44d88612fea8a8f36de82e1278abb02f',
  hash_sha1: '3395856ce81f2b7382dee72602f798b642f14140',
  hash_sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
  url: 'https://malicious.example/login',
  email: 'attacker@malicious.example',
  account: 'jdoe@corp.example',
};

export function sampleIndicator(types: readonly IndicatorType[] | undefined): { indicator_type: IndicatorType; indicator_value: string } {
  const type = types?.[0] ?? 'ip';
  return { indicator_type: type, indicator_value: SAMPLE_VALUES[type] };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const problem = (message: string): GenerationProblem => ({ source: 'answer', severity: 'error', message });

/**
 * Checks the model's answer. Returns the candidate (null when there is no code to check) and the
 * problems; a candidate with problems is still checked, so one round reports everything.
 */
export function validateAnswer(
  value: unknown,
  acceptedTypes: readonly IndicatorType[] | undefined,
): { candidate: Candidate | null; problems: GenerationProblem[] } {
  const problems: GenerationProblem[] = [];
  if (!isObject(value)) return { candidate: null, problems: [problem('The answer must be one JSON object with the fields of the schema.')] };

  const code = typeof value.code === 'string' ? value.code : '';
  if (code.trim() === '') problems.push(problem('`code` is missing or empty: submit the complete TypeScript module.'));
  else if (Buffer.byteLength(code) > MAX_CODE_BYTES) problems.push(problem('`code` is larger than 1 MB.'));

  let name = typeof value.name === 'string' ? value.name.trim() : '';
  if (name === '') problems.push(problem('`name` is missing: give the workflow a short name.'));
  if (name.length > 200) {
    problems.push(problem('`name` is longer than 200 characters: keep it short.'));
    name = name.slice(0, 200);
  }

  let documentation = typeof value.documentation === 'string' ? value.documentation : '';
  if (documentation.trim() === '') problems.push(problem('`documentation` is missing: describe what the workflow does, its inputs, secrets and outcomes.'));
  if (documentation.length > MAX_DOCUMENTATION) {
    problems.push(problem('`documentation` is longer than 64 KB.'));
    documentation = documentation.slice(0, MAX_DOCUMENTATION);
  }

  const secrets = stringList(value.secrets, 'secrets', problems).filter((secret) => {
    if (SECRET_NAME.test(secret)) return true;
    problems.push(problem(`secret name "${secret}" is not valid: use letters, digits and underscores, starting with a letter (e.g. API_TOKEN).`));
    return false;
  });
  const allowedHosts = stringList(value.allowed_hosts, 'allowed_hosts', problems).filter((host) => {
    // The API's pattern also admits ':' and '/' (IPv6, CIDR), so a URL would slip through it.
    const cidrOnly = !host.includes('/') || /^[^/]+\/\d{1,3}$/.test(host);
    if (ALLOWED_HOST.test(host) && host.length <= 253 && !host.includes('://') && cidrOnly) return true;
    problems.push(problem(`allowed_hosts entry "${host}" is not a host name: give host names only (api.example.com), no scheme or path.`));
    return false;
  });

  const mocks = isObject(value.mocks) || Array.isArray(value.mocks) ? value.mocks : { responses: [] };
  if (!isObject(value.mocks) && !Array.isArray(value.mocks)) {
    problems.push(problem('`mocks` is missing: give {"responses": [...]} answering every HTTP call of the test run.'));
  }

  const testInput = readTestInput(value.test_input, acceptedTypes, problems);
  const candidate = code.trim() === '' ? null : { name, code, documentation, secrets: unique(secrets), allowed_hosts: unique(allowedHosts), mocks, test_input: testInput };
  return { candidate, problems };
}

function stringList(value: unknown, field: string, problems: GenerationProblem[]): string[] {
  if (value === undefined || value === null) {
    problems.push(problem(`\`${field}\` is missing: give a list (empty if there are none).`));
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    problems.push(problem(`\`${field}\` must be a list of strings.`));
    return [];
  }
  return value.map((item: string) => item.trim()).filter(Boolean);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function readTestInput(value: unknown, acceptedTypes: readonly IndicatorType[] | undefined, problems: GenerationProblem[]): SuggestedTestInput {
  const fallback = sampleIndicator(acceptedTypes);
  if (!isObject(value)) {
    problems.push(problem('`test_input` is missing: give the indicator_type and indicator_value of the test run.'));
    return { ...fallback, context: null, alert: null };
  }
  let indicatorType = value.indicator_type as IndicatorType;
  if (!INDICATOR_TYPES.includes(indicatorType)) {
    problems.push(problem(`test_input.indicator_type must be one of ${INDICATOR_TYPES.join(', ')}.`));
    indicatorType = fallback.indicator_type;
  } else if (acceptedTypes && acceptedTypes.length > 0 && !acceptedTypes.includes(indicatorType)) {
    problems.push(problem(`test_input.indicator_type must be one the workflow accepts: ${acceptedTypes.join(', ')}.`));
    indicatorType = fallback.indicator_type;
  }
  let indicatorValue = typeof value.indicator_value === 'string' ? value.indicator_value.trim() : '';
  if (indicatorValue === '') {
    problems.push(problem('test_input.indicator_value is missing.'));
    indicatorValue = SAMPLE_VALUES[indicatorType];
  }
  const alert = isObject(value.alert) ? value.alert : null;
  return { indicator_type: indicatorType, indicator_value: indicatorValue, context: value.context ?? null, alert };
}
