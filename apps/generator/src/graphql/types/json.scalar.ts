import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';

/**
 * Any JSON value, passed through as it is. For documents whose full shape is another contract's
 * (a test spec is libs/testgen's format v1, with its own JSON Schema; an execution report is the
 * runner's): typing them field by field here would be a second copy of that contract to keep in
 * step. The parts clients filter and display are typed next to it (see test-spec.type.ts).
 */
export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description:
    'A JSON value (object, array, string, number, boolean or null), as stored. Its shape is documented where it is produced (the test spec: libs/testgen format v1).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
