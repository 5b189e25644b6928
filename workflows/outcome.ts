import type { GenerationStatus, ReviewPolicy, ReviewRecord, ValidationReport } from './contract';

/** `when_flagged` sends an output to a person when the schema rejects it or a check flags it. */
export function reviewIsRequired(policy: ReviewPolicy, validation: ValidationReport): boolean {
  if (policy === 'always') {
    return true;
  }

  if (policy === 'never') {
    return false;
  }

  return !validation.valid || validation.flags.length > 0;
}

/**
 * The final status. An approval never releases an output the schema rejected: a person must edit it, and a
 * deadline that approves such an output leaves it invalid.
 */
export function resolveStatus(validation: ValidationReport, review: ReviewRecord | undefined): GenerationStatus {
  if (!review) {
    return validation.valid ? 'completed' : 'invalid';
  }

  if (review.decision === 'reject') {
    return 'rejected';
  }

  if (review.decision === 'approve' && !validation.valid) {
    return 'invalid';
  }

  return 'approved';
}
