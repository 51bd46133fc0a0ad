// A workflow's test mocks: the shape the test endpoints accept, bounded like a test's mocks. The
// test endpoints, the stored mocks (`/v1/workflows/{uuid}/mocks`) and an import check them here,
// so mocks that are stored are mocks a test would take.
import { MockSpecError, parseMockSpec, type MockSpec } from '../../sandbox/index.ts';
import { invalid } from '../errors.ts';
import { checkJsonBounds, MAX_MOCKS_BYTES } from '../util/json-bounds.ts';

/** The mocks as the sandbox reads them, or an `invalid` error naming `field` with every problem. */
export function checkMocks(mocks: unknown, field: string): MockSpec {
  const bounds = checkJsonBounds({ [field]: { value: mocks, maxBytes: MAX_MOCKS_BYTES } });
  if (bounds.length > 0) throw invalid(bounds);
  try {
    return parseMockSpec(mocks);
  } catch (error) {
    if (error instanceof MockSpecError) {
      throw invalid(
        error.problems.map((message) => ({ field, message })),
        'The mock responses are not valid.',
      );
    }
    throw error;
  }
}
