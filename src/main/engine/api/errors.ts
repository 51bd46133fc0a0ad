/** An error the API reports to its caller with a stable code (DESIGN.md §4 envelope). */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, details: unknown = null, headers: Record<string, string> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export function errorBody(code: string, message: string, details: unknown = null) {
  return { error: { code, message, details } };
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, `${what.toUpperCase().replace(/ /g, '_')}_NOT_FOUND`, `No ${what} with id ${id}.`);
