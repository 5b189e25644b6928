/**
 * Turns a zod issue into the `field` of our errors: the dotted path, plus the offending key itself when the
 * problem is a key the schema does not know. Free of I/O so workflow code may use it.
 */
export interface IssueLike {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

export function fieldOf(issue: IssueLike | undefined, root: string): string {
  if (!issue) {
    return root;
  }

  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys?.[0]) {
    path.push(issue.keys[0]);
  }

  return path.length > 0 ? path.join('.') : root;
}

/** The first issue of a failed parse as a field and a reason. */
export function firstProblem(issues: IssueLike[], root: string): { field: string; reason: string } {
  const issue = issues[0];
  return { field: fieldOf(issue, root), reason: issue?.message ?? 'invalid' };
}
