import { z } from 'zod';

/**
 * Large texts travel by reference (activities/payloads.ts), so history never holds them; the bound keeps one
 * request within what a provider call and the shared store handle comfortably. Counted in UTF-8 bytes.
 */
export const largestDocumentBytes = 8 * 1024 * 1024;

export function boundedText(minChars: number, maxBytes = largestDocumentBytes) {
  return z.string().min(minChars).refine((text) => Buffer.byteLength(text, 'utf8') <= maxBytes, {
    message: `must be at most ${maxBytes} bytes of UTF-8`,
  });
}
