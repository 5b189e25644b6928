import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { CacheStore } from './cache/types';
import type { ChatMessage, PayloadRef } from '../workflows/contract';

/**
 * Texts above this size travel by reference unless configured otherwise (store.payloadThresholdBytes): they are
 * kept in the shared store and only a reference enters workflow history, which caps one payload at 2 MB.
 */
export const payloadThresholdBytes = 64 * 1024;

/** Kept longer than a run can live (review deadlines are at most 90 days, retention is shorter). */
const payloadTtlMs = 100 * 24 * 3600 * 1000;

/** Only content-addressed payload keys: a reference in caller input can never point at other stored data. */
const payloadKey = /^payload:[0-9a-f]{64}$/;

export function isPayloadRef(value: unknown): value is PayloadRef {
  return typeof value === 'object' && value !== null && typeof (value as PayloadRef).$payloadRef === 'string' &&
    payloadKey.test((value as PayloadRef).$payloadRef);
}

/** Content-addressed, so the same document stored twice is kept once and refs compare equal. */
export async function storeText(store: CacheStore, text: string): Promise<PayloadRef> {
  const key = `payload:${createHash('sha256').update(text).digest('hex')}`;
  await store.set(key, text, payloadTtlMs, Date.now());
  return { $payloadRef: key, bytes: Buffer.byteLength(text, 'utf8') };
}

function isLarge(text: string, thresholdBytes: number): boolean {
  // A UTF-8 character takes at most 4 bytes, so most texts are decided without encoding them.
  return text.length * 4 > thresholdBytes && Buffer.byteLength(text, 'utf8') > thresholdBytes;
}

/** A text that is stored when large: the text itself, or its reference. */
export async function textOrRef(store: CacheStore, text: string, thresholdBytes: number):
  Promise<{ text: string; textRef?: PayloadRef }> {
  return isLarge(text, thresholdBytes) ? { text: '', textRef: await storeText(store, text) } : { text };
}

/** Whether a JSON value's text is above the threshold, so it would travel by reference. */
export function isLargeValue(value: unknown, thresholdBytes: number): boolean {
  return isLarge(JSON.stringify(value) ?? 'null', thresholdBytes);
}

/** A JSON value that is stored when its text is large: the value itself, or a JSON reference. */
export async function valueOrRef(store: CacheStore, value: unknown, thresholdBytes: number): Promise<unknown> {
  const json = JSON.stringify(value) ?? 'null';
  return isLarge(json, thresholdBytes) ? { ...(await storeText(store, json)), format: 'json' } : value;
}

/**
 * A reviewer's edit, stored when large under a key that binds it to its run: the key is the hash of the run id
 * and the text, so a reference copied from elsewhere (another run's output, another run's edit) never loads.
 */
export async function editOrRef(store: CacheStore, workflowId: string, value: unknown, thresholdBytes: number):
  Promise<unknown> {
  const json = JSON.stringify(value) ?? 'null';
  if (!isLarge(json, thresholdBytes)) {
    return value;
  }

  const key = editKeyOf(workflowId, json);
  await store.set(key, json, payloadTtlMs, Date.now());
  return { $payloadRef: key, bytes: Buffer.byteLength(json, 'utf8'), format: 'json' };
}

/** Where a run's edit is kept: the same edit for the same run always has the same key. */
export function editKeyFor(workflowId: string, value: unknown): string {
  return editKeyOf(workflowId, JSON.stringify(value) ?? 'null');
}

export function isEditRef(value: unknown): value is PayloadRef {
  return typeof value === 'object' && value !== null && typeof (value as PayloadRef).$payloadRef === 'string' &&
    editKey.test((value as PayloadRef).$payloadRef);
}

/** The edit a reference stands for, or undefined when it is missing, not this run's, or not JSON. */
export async function loadEdit(store: CacheStore, workflowId: string, ref: PayloadRef):
  Promise<{ value: unknown } | undefined> {
  const json = await store.get(ref.$payloadRef, Date.now());
  if (json === undefined || ref.$payloadRef !== editKeyOf(workflowId, json)) {
    return undefined;
  }

  try {
    return { value: JSON.parse(json) as unknown };
  } catch {
    return undefined;
  }
}

const editKey = /^edit:[0-9a-f]{64}$/;

function editKeyOf(workflowId: string, json: string): string {
  return `edit:${createHash('sha256').update(workflowId).update('\n').update(json).digest('hex')}`;
}

/** The value a valueOrRef result stands for. */
export async function resolveValue(store: CacheStore, value: unknown): Promise<unknown> {
  return isPayloadRef(value) && value.format === 'json' ? JSON.parse(await loadText(store, value)) : value;
}

export async function loadText(store: CacheStore, ref: PayloadRef): Promise<string> {
  const text = await store.get(ref.$payloadRef, Date.now());
  if (text === undefined) {
    throw ApplicationFailure.create({ type: 'PAYLOAD_MISSING', nonRetryable: true,
      message: `${ref.$payloadRef} is no longer in the shared store`, details: [{ key: ref.$payloadRef }] });
  }

  return text;
}

/** Replaces each large top-level string of a record with a reference. */
export async function offloadFields(store: CacheStore, record: Record<string, unknown>,
  thresholdBytes = payloadThresholdBytes): Promise<Record<string, unknown>> {
  const entries = await Promise.all(Object.entries(record).map(async ([key, value]) =>
    [key, typeof value === 'string' && isLarge(value, thresholdBytes) ? await storeText(store, value) : value] as
      const));
  return Object.fromEntries(entries);
}

export async function resolveFields(store: CacheStore, record: Record<string, unknown>):
  Promise<Record<string, unknown>> {
  const entries = await Promise.all(Object.entries(record).map(async ([key, value]) =>
    [key, isPayloadRef(value) ? await loadText(store, value) : value] as const));
  return Object.fromEntries(entries);
}

export async function offloadMessages(store: CacheStore, messages: ChatMessage[],
  thresholdBytes = payloadThresholdBytes): Promise<ChatMessage[]> {
  return Promise.all(messages.map(async (message) =>
    isLarge(message.content, thresholdBytes)
      ? { role: message.role, content: '', contentRef: await storeText(store, message.content) }
      : message));
}

export async function resolveMessages(store: CacheStore, messages: ChatMessage[]):
  Promise<Array<{ role: ChatMessage['role']; content: string }>> {
  return Promise.all(messages.map(async (message) => ({
    role: message.role,
    content: message.contentRef ? await loadText(store, message.contentRef) : message.content,
  })));
}
