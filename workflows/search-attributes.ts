/**
 * Search attributes that let a person filter runs in the Temporal UI. The dev server is started with these
 * names and types; a cluster gets them registered by the worker at boot.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const tenantKey = defineSearchAttributeKey('GenTenant', 'KEYWORD');
export const templateKey = defineSearchAttributeKey('GenTemplate', 'KEYWORD');
export const templateVersionKey = defineSearchAttributeKey('GenTemplateVersion', 'INT');
export const providerKey = defineSearchAttributeKey('GenProvider', 'KEYWORD');
export const modelKey = defineSearchAttributeKey('GenModel', 'KEYWORD');
export const stageKey = defineSearchAttributeKey('GenStage', 'KEYWORD');
export const reviewStatusKey = defineSearchAttributeKey('GenReviewStatus', 'KEYWORD');
/** Each chain entry passed over, with why: `provider/model:CODE`, so a person can filter runs that fell back. */
export const passedOverKey = defineSearchAttributeKey('GenPassedOver', 'KEYWORD_LIST');

export const allSearchAttributeKeys = [
  tenantKey,
  templateKey,
  templateVersionKey,
  providerKey,
  modelKey,
  stageKey,
  reviewStatusKey,
  passedOverKey,
] as const;
