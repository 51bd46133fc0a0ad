// JSON Schema for the test panel's mock responses (the sandbox's test mode, DESIGN.md §6): an
// ordered list of responses matched by method and URL (exact, or a glob with *), plus a default
// for calls nothing matched — a response, or "error" to fail them loudly. Any other object is
// refused by the engine (Calseta's one-body form is the API's `mock_http_responses`, not a mocks
// file), so the editor marks it at once.

const response = {
  type: 'object',
  description: 'A canned HTTP response.',
  properties: {
    status: { type: 'integer', minimum: 100, maximum: 599, description: 'HTTP status code, e.g. 200.' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Response headers.' },
    json: { description: 'A JSON body (sets content-type: application/json).' },
    body: { type: 'string', description: 'A text body (instead of json).' },
    delay_ms: { type: 'integer', minimum: 0, description: 'Wait this long before answering.' },
  },
};

const mock = {
  ...response,
  description: 'Answers the calls that match method and url, in list order.',
  required: ['url'],
  properties: {
    method: {
      type: 'string',
      enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
      description: 'Only calls with this method (any method when absent).',
    },
    url: { type: 'string', description: 'The URL, exactly, or a glob where * matches anything: "https://api.example.com/v1/*".' },
    times: { type: 'integer', minimum: 1, description: 'Answer at most this many calls, then let later mocks match.' },
    ...response.properties,
  },
  additionalProperties: false,
};

export const MOCKS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Vigil test mocks',
  anyOf: [
    {
      type: 'object',
      required: ['responses'],
      properties: {
        responses: { type: 'array', items: mock, description: 'Mock responses, tried in order.' },
        default: {
          description: 'What unmatched calls get: a response, or "error" to fail them.',
          anyOf: [{ const: 'error' }, { ...response, additionalProperties: false }],
        },
      },
      additionalProperties: false,
    },
    { type: 'array', items: mock, description: 'Mock responses, tried in order; unmatched calls fail.' },
  ],
};
