// Typed errors carrying the engine's message. Every error the package throws
// is a RindleError; its subclass (and `code`) says what kind it is, with the
// same meaning as the engine's codes (ivm/status.h, ivm/c_api/c_api.h).

export class RindleError extends Error {
  /** @param {string} message @param {string} code */
  constructor(message, code = 'internal') {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
/** Malformed input: a bad query, row, value or argument. */
export class InvalidError extends RindleError {
  constructor(message) { super(message, 'invalid'); }
}
/** An unknown table, column, view or function. */
export class NotFoundError extends RindleError {
  constructor(message) { super(message, 'not_found'); }
}
/** A value or expression of the wrong type. */
export class TypeMismatchError extends RindleError {
  constructor(message) { super(message, 'type_mismatch'); }
}
/** Valid SQL the engine cannot maintain incrementally. */
export class UnsupportedError extends RindleError {
  constructor(message) { super(message, 'unsupported'); }
}
/** A write violates the table: duplicate key, missing row, NULL in a NOT NULL column. */
export class ConstraintError extends RindleError {
  constructor(message) { super(message, 'constraint'); }
}
/** Evaluating the data failed (overflow, division by zero): the view stops. */
export class DataError extends RindleError {
  constructor(message) { super(message, 'data_error'); }
}
/** A table or view of that name exists. */
export class ExistsError extends RindleError {
  constructor(message) { super(message, 'exists'); }
}
/** A broken invariant of the engine, or the module trapped. */
export class InternalError extends RindleError {
  constructor(message) { super(message, 'internal'); }
}

// By the C API's numeric codes (rindle_code).
const BY_CODE = [null, InvalidError, NotFoundError, TypeMismatchError, UnsupportedError, ConstraintError, DataError,
  ExistsError, InternalError];

/** The error for a C API code and message. */
export function errorFor(code, message) {
  const E = BY_CODE[code] ?? InternalError;
  return new E(message);
}
