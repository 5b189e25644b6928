import { z } from 'zod';

/**
 * Inputs travel inside workflow history, where one payload may not exceed 2 MB and the document appears both in
 * the request and in the rendered prompt. Bounding UTF-8 bytes (not characters) keeps a plan well under it.
 */
export const largestDocumentBytes = 400_000;

export function boundedText(minChars: number, maxBytes = largestDocumentBytes) {
  return z.string().min(minChars).refine((text) => Buffer.byteLength(text, 'utf8') <= maxBytes, {
    message: `must be at most ${maxBytes} bytes of UTF-8`,
  });
}
