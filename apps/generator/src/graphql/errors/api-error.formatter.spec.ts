import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { createApiErrorFormatter } from './api-error.formatter';
import { NotFoundError, QueryTooComplexError } from './api.errors';

describe(createApiErrorFormatter.name, () => {
  const log = new Logger('test');
  const codes: string[] = [];
  const sut = createApiErrorFormatter(log, (c) => codes.push(c));

  beforeEach(() => {
    codes.length = 0;
    jest.spyOn(log, 'error').mockImplementation(() => undefined);
  });

  it('keeps API errors as they were raised, without http or stacktrace extensions', () => {
    const raised = new GraphQLError('located', {
      path: ['trace'],
      originalError: new NotFoundError('trace 1 not found'),
    });
    expect(
      sut(
        { message: 'located', path: ['trace'], extensions: { code: 'X', stacktrace: ['at'] } },
        raised,
      ),
    ).toEqual({
      message: 'trace 1 not found',
      path: ['trace'],
      locations: undefined,
      extensions: { code: 'NOT_FOUND' },
    });
    const limits = new QueryTooComplexError('too deep', { measure: 'depth', limit: 8, actual: 9 });
    expect(sut({ message: 'too deep' }, limits).extensions).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      measure: 'depth',
      limit: 8,
      actual: 9,
    });
    expect(codes).toEqual(['NOT_FOUND', 'QUERY_TOO_COMPLEX']);
  });

  it('turns Apollo request errors into BAD_USER_INPUT with the reason', () => {
    const formatted = { message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED' } };
    expect(sut(formatted, new GraphQLError('Syntax Error'))).toEqual({
      message: 'Syntax Error',
      locations: undefined,
      path: undefined,
      extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' },
    });
  });

  it('hides anything else behind INTERNAL and logs the cause', () => {
    const cause = new Error('ClickHouse said: secret');
    const raised = new GraphQLError('ClickHouse said: secret', {
      path: ['a'],
      originalError: cause,
    });
    const formatted = sut(
      {
        message: cause.message,
        path: ['a'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] },
      },
      raised,
    );
    expect(formatted).toEqual({
      message: 'Internal server error',
      path: ['a'],
      locations: undefined,
      extensions: { code: 'INTERNAL' },
    });
    expect(log.error).toHaveBeenCalledWith(expect.stringContaining('ClickHouse said: secret'));
    expect(codes).toEqual(['INTERNAL']);
  });
});
