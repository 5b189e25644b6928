import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ProductError } from '../../common/errors';

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/**
 * Every error leaves the API in one shape with a catalogue code. 4xx are the caller's doing and logged at
 * info; anything else is ours and logged at error with the cause.
 */
export function handleApiError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const productError = toProductError(err);

  if (productError.status >= 500) {
    request.log.error({ err, code: productError.code }, 'request failed');
  } else {
    request.log.info({ code: productError.code, field: productError.field }, 'request rejected');
  }

  const body: ErrorBody = {
    error: { code: productError.code, message: productError.message, field: productError.field },
  };
  void reply.status(productError.status).send(body);
}

function toProductError(err: FastifyError | Error): ProductError {
  if (err instanceof ProductError) {
    return err;
  }

  const fastifyError = err as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ProductError('REQUEST_TOO_LARGE', { field: 'body', reason: 'the body limit' });
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new ProductError('REQUEST_INVALID', { field: 'body', reason: fastifyError.message });
  }

  return new ProductError('INTERNAL', { reason: 'unexpected error' }, { cause: err });
}
