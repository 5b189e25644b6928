import { ProductError } from '../common/errors';
import type { AnyPromptTemplate } from './types';
import { releaseDigestV1 } from './release-digest/v1/template';
import { diffReviewV1 } from './diff-review/v1/template';

/** Every published template version. Add a new version beside the old one; never edit a published one. */
const publishedTemplates: AnyPromptTemplate[] = [releaseDigestV1, diffReviewV1];

/** A summary for listings and the API; the bodies and schemas stay on the worker. */
export interface TemplateSummary {
  id: string;
  version: number;
  description: string;
  review: string;
}

/**
 * Returns the template `id` at `version`, or its newest version when none is asked for.
 * @example getTemplate('release-digest') // newest release-digest
 */
export function getTemplate(id: string, version?: number): AnyPromptTemplate {
  const versions = publishedTemplates.filter((template) => template.id === id);
  const found = version === undefined
    ? versions.sort((a, b) => b.version - a.version)[0]
    : versions.find((template) => template.version === version);

  if (!found) {
    const known = versions.length > 0;
    throw new ProductError('TEMPLATE_NOT_FOUND', {
      field: known ? 'templateVersion' : 'templateId',
      reason: version === undefined ? id : `${id}@${version}`,
    });
  }

  return found;
}

export function listTemplates(): TemplateSummary[] {
  return publishedTemplates.map(({ id, version, description, review }) => ({ id, version, description, review }));
}
