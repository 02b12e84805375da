import { Kind, type FragmentDefinitionNode, type OperationDefinitionNode, parse } from 'graphql';
import { MUTATION_ROLES, requiredRole, rootFieldNames } from './role-check.plugin';

function rootsOf(source: string): { operation: OperationDefinitionNode; fields: string[] } {
  const document = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    if (d.kind === Kind.OPERATION_DEFINITION) operation = d;
  }
  return { operation: operation!, fields: rootFieldNames(operation!.selectionSet, fragments) };
}

describe('role checks', () => {
  it('lets read run every query and subscription', () => {
    expect(requiredRole('query', ['tests', 'trace', 'modelVersion'])).toBe('read');
    expect(requiredRole('subscription', ['anything'])).toBe('read');
  });

  it('maps the mutations that generate, verify or record test runs to generate', () => {
    for (const m of ['generateTests', 'verifyTests', 'recordTestExecutions']) {
      expect(MUTATION_ROLES[m]).toBe('generate');
      expect(requiredRole('mutation', [m])).toBe('generate');
    }
  });

  it('needs admin for a mutation it does not know, and the highest role of several fields', () => {
    expect(requiredRole('mutation', ['dropEverything'])).toBe('admin');
    expect(requiredRole('mutation', ['verifyTests', 'dropEverything'])).toBe('admin');
    expect(requiredRole('mutation', ['__typename'])).toBe('read');
  });

  it('finds root fields behind fragments and aliases, so none slips past the check', () => {
    const { fields } = rootsOf(`
      mutation { ...M ... on Mutation { b: verifyTests(since: "1h") { runId } } __typename }
      fragment M on Mutation { generateTests { id } ...N }
      fragment N on Mutation { recordTestExecutions(runId: "r", executions: []) { runId } ...M }
    `);
    expect(fields.sort()).toEqual(
      ['__typename', 'generateTests', 'recordTestExecutions', 'verifyTests'].sort(),
    );
  });
});
