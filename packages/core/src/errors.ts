/** Base class of every error Herald throws on purpose: a stable `code` plus a readable message. */
export class HeraldError extends Error {
  readonly code: string;
  readonly details?: unknown;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HeraldError';
    this.code = code;
    this.details = options?.details;
  }
}

/** An issue found while validating input: the path of the field and what is wrong with it. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Input that failed validation; `issues` name each field and its problem. */
export class ValidationError extends HeraldError {
  readonly issues: ValidationIssue[];

  constructor(code: string, message: string, issues: ValidationIssue[]) {
    super(code, `${message}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, {
      details: issues,
    });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** Turns zod issues into Herald's `{ path, message }` list. */
export function issuesFromZod(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): ValidationIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
