/**
 * @fileoverview The service's one error type and its one wire shape: `{"error": {"code", "message", "field"?}}` on a
 * single line, with the HTTP status beside it. Codes are stable strings (listed in tools/serve/README.md), never reused.
 */

export type ServeErrorCode =
  | 'E_JSON' // 400 body is not valid JSON
  | 'E_CSV' // 400 CSV body without a header, with ragged rows or bad quoting
  | 'E_SHAPE' // 400 JSON that holds no rows in a known layout (instances, inputs, array, object)
  | 'E_EMPTY' // 400 zero rows
  | 'E_FEATURE_COUNT' // 400 an array row with the wrong number of values, or columns of unequal length
  | 'E_MISSING_FEATURE' // 400 an object row or CSV header without one of the model's features
  | 'E_NOT_NUMBER' // 400 a value that is not a JSON number (string, null, bool, object)
  | 'E_NOT_FINITE' // 400 NaN, an infinity, or a number beyond float32's range
  | 'E_MODEL_NAME' // 400 a model name outside [A-Za-z0-9][A-Za-z0-9._-]{0,63}
  | 'E_UNAUTHORIZED' // 401 a write without the right bearer token
  | 'E_WRITES_DISABLED' // 403 a write to a server started without --token
  | 'E_NO_MODEL' // 404 no model of that name
  | 'E_NOT_FOUND' // 404 no such route
  | 'E_METHOD' // 405 route exists, method does not
  | 'E_TIMEOUT' // 408 the body did not arrive within the request timeout
  | 'E_BODY_TOO_LARGE' // 413 body beyond --max-body
  | 'E_TOO_MANY_ROWS' // 413 more rows than --max-rows in one request
  | 'E_MEDIA_TYPE' // 415 a content type the route does not read
  | 'E_MODEL_INVALID' // 422 an uploaded model file the strict reader or the self-check rejects
  | 'E_OVERLOADED' // 503 more rows queued than --max-queue
  | 'E_INTERNAL'; // 500 a bug: logged with its stack

export const STATUS: Record<ServeErrorCode, number> = {
  E_JSON: 400, E_CSV: 400, E_SHAPE: 400, E_EMPTY: 400, E_FEATURE_COUNT: 400, E_MISSING_FEATURE: 400, E_NOT_NUMBER: 400,
  E_NOT_FINITE: 400, E_MODEL_NAME: 400, E_UNAUTHORIZED: 401, E_WRITES_DISABLED: 403, E_NO_MODEL: 404, E_NOT_FOUND: 404,
  E_METHOD: 405, E_TIMEOUT: 408, E_BODY_TOO_LARGE: 413, E_TOO_MANY_ROWS: 413, E_MEDIA_TYPE: 415, E_MODEL_INVALID: 422,
  E_OVERLOADED: 503, E_INTERNAL: 500,
};

/** A request the service refuses: the code, a one-line message, and the request field at fault when there is one. */
export class ServeError extends Error {
  override readonly name = 'ServeError';
  readonly status: number;
  constructor(readonly code: ServeErrorCode, message: string, readonly field?: string) {
    super(message);
    this.status = STATUS[code];
  }

  /** The wire form: one line of JSON. */
  toJSON(): { error: { code: ServeErrorCode; message: string; field?: string } } {
    return { error: this.field === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, field: this.field } };
  }
}

/** A one-line message for anything thrown (control characters folded, length capped). */
export function oneLine(s: string, max = 300): string {
  const t = s.replace(/[\r\n\t]+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}
