/** The error answers of the HTTP-level faults, in the provider's shape, sent before any answer begins. */

import { errorBody, type ProviderErrorBody } from './errors';
import type { FaultRule } from './faults';

export interface FaultResponse {
  status: number;
  body: ProviderErrorBody;
  retryAfterSeconds: number | undefined;
}

const defaultRateLimitRetrySeconds = 1;

/** The error response for HTTP-level faults; undefined for faults that answer, hold or drop the request. */
export function faultResponse(fault: FaultRule): FaultResponse | undefined {
  switch (fault.kind) {
    case 'rate_limit':
      return {
        status: 429,
        body: errorBody('Rate limit reached for requests (simulated).', 'requests', 'rate_limit_exceeded'),
        retryAfterSeconds: fault.retryAfterSeconds ?? defaultRateLimitRetrySeconds,
      };
    case 'server_error':
      return {
        status: 500,
        body: errorBody('The server had an error while processing your request (simulated).', 'server_error', null),
        retryAfterSeconds: undefined,
      };
    case 'unavailable':
      return {
        status: 503,
        body: errorBody('The engine is currently overloaded (simulated).', 'server_error', 'service_unavailable'),
        retryAfterSeconds: fault.retryAfterSeconds,
      };
    case 'unauthorized':
      return {
        status: 401,
        body: errorBody('Incorrect API key provided (simulated).', 'invalid_request_error', 'invalid_api_key'),
        retryAfterSeconds: undefined,
      };
    case 'context_length':
      return {
        status: 400,
        body: errorBody('This model\'s maximum context length is 4096 tokens; your messages are longer (simulated).',
          'invalid_request_error', 'context_length_exceeded'),
        retryAfterSeconds: undefined,
      };
    case 'content_filter':
      return {
        status: 400,
        body: errorBody('The response was filtered by the content management policy (simulated).',
          'invalid_request_error', 'content_filter'),
        retryAfterSeconds: undefined,
      };
    default:
      return undefined;
  }
}
