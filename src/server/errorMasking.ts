// What a client is told about an error, and what the log keeps. A client's mistake (bad input, not found, not signed
// in, a query graphql refuses) is answered with its typed error and logged at debug at most: it is not the server's
// problem. Anything else is the server's: logged once at ERROR with its stack under an error id, and the client gets
// only "unexpected error" with that id to quote, never a message, a stack or a query of ours.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';

const isGraphQLError = (error: unknown): error is GraphQLError => error instanceof Error && error.name === 'GraphQLError';

/** The innermost cause: resolver errors arrive wrapped, by GraphQLError classes of more than one copy of graphql
 * (its CommonJS and ESM builds), so originalError is followed by shape, not by class. */
function innermost(error: unknown): unknown {
  let original = error;
  while (original instanceof Error && (original as { originalError?: unknown }).originalError) original = (original as { originalError?: unknown }).originalError;
  return original;
}

export function createMaskError(logger: Logger): (error: unknown) => Error {
  return (error) => {
    const original = innermost(error);
    const located = isGraphQLError(error) ? { nodes: error.nodes, path: error.path } : {};
    if (original instanceof AppError) return new GraphQLError(original.message, { ...located, extensions: { code: original.code, ...original.details } });
    // graphql's own refusals (syntax, validation, coercion, our scalars' refusals) and those of its plugins.
    if (isGraphQLError(original)) return isGraphQLError(error) ? error : original;
    const errorId = randomUUID();
    logger.error('unexpected error', {
      errorId,
      ...(located.path && { path: located.path.join('.') }),
      error: original instanceof Error ? (original.stack ?? String(original)) : String(original),
    });
    return new GraphQLError(`Unexpected error: the server logged it as ${errorId} (quote this id when you report it)`, {
      ...located,
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
    });
  };
}

/**
 * graphql-yoga's own logging. It logs each error it masks at error level: those are logged above, so here they go to
 * debug, as their message and path only. A GraphQLError's toString() prints the query around its location, and the
 * query may hold a password typed inline; nothing yoga hands over is printed that way.
 */
export function yogaLogging(logger: Logger): YogaLogger {
  const describe = (args: unknown[]) =>
    args
      .map((a) => {
        if (isGraphQLError(a)) return `${a.message}${a.path ? ` (at ${a.path.join('.')})` : ''}`;
        if (a instanceof Error) return `${a.name}: ${a.message}`;
        if (typeof a === 'string') return a;
        try {
          return JSON.stringify(a);
        } catch {
          return String(a);
        }
      })
      .join(' ');
  return {
    debug: (...a) => logger.debug(describe(a)),
    info: (...a) => logger.debug(describe(a)),
    warn: (...a) => logger.warn(describe(a)),
    error: (...a) => logger.debug(describe(a)),
  };
}
