import { Context } from '@temporalio/activity';
import { fieldOf } from '../common/zod-issues';
import type { CacheStore } from './cache/types';
import { isEditRef, isPayloadRef, loadEdit, loadText, resolveFields, valueOrRef } from './payloads';
import { getTemplate } from '../prompts/library';
import type { ValidationInput, ValidationReport } from '../workflows/contract';
import { toActivityFailure } from './prepare-prompt';

/**
 * Parses the output and checks it against the template's output schema and checks. A failure is a report,
 * not an error: the workflow decides what an invalid output means (review, or an `invalid` result). Outputs
 * arrive and leave by reference when large, so they never enter workflow history whole.
 */
export async function validateOutput(payloads: CacheStore, thresholdBytes: number, input: ValidationInput):
  Promise<ValidationReport> {
  const report = await validate(payloads, input);
  return { ...report, output: await valueOrRef(payloads, report.output, thresholdBytes) };
}

async function validate(payloads: CacheStore, input: ValidationInput): Promise<ValidationReport> {
  let template;
  try {
    template = getTemplate(input.templateId, input.templateVersion);
  } catch (err) {
    throw toActivityFailure(err);
  }

  let value: unknown;
  if (typeof input.output === 'string' || isPayloadRef(input.output)) {
    const text = typeof input.output === 'string' ? input.output : await loadText(payloads, input.output);
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { valid: false, output: null, issues: [`(output): not JSON: ${(err as Error).message}`], flags: [] };
    }
  } else if (isEditRef(input.output.value)) {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const edit = await loadEdit(payloads, workflowId, input.output.value);
    if (!edit) {
      return { valid: false, output: null, flags: [],
        issues: ['(output): the stored edit is missing or belongs to another run; send it again'] };
    }
    value = edit.value;
  } else {
    // Any other reference-shaped object in an edit is plain data: edits only ever load their own stored copy.
    value = input.output.value;
  }

  const parsed = template.output.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${fieldOf(issue, '(output)')}: ${issue.message}`);
    return { valid: false, output: value, issues, flags: [] };
  }

  const templateInput: unknown = template.input.parse(await resolveFields(payloads,
    input.input as Record<string, unknown>));
  const flags = template.check ? template.check(parsed.data, templateInput) : [];
  return { valid: true, output: parsed.data, issues: [], flags };
}
