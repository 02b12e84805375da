import {
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Introspection's type-wrapper chain (`type { ofType { ofType ... } }`). Tools nest it ~8 deep to
 * unwrap `[[T!]!]!`; it cannot fan out (one object per level, null past the named type), so it
 * does not count as depth. Every other field counts, introspection included, so a recursive
 * `fields { type { fields ... } }` query is still refused.
 */
const FREE_FIELDS = new Set(['ofType']);

/**
 * Deepest chain of fields the operation selects (`{ a { b } }` is 2). Fragments are followed
 * where they are spread; inline fragments and spreads add no level of their own.
 */
export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map(
    document.definitions
      .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d.selectionSet] as const),
  );
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations[0];
  if (!operation) return 0;

  const depthOf = (set: SelectionSetNode, visiting: ReadonlySet<string>): number => {
    let max = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const own = FREE_FIELDS.has(selection.name.value) ? 0 : 1;
        const below = selection.selectionSet ? depthOf(selection.selectionSet, visiting) : 0;
        max = Math.max(max, own + below);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(selection.selectionSet, visiting));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Validation refuses fragment cycles before this runs; `visiting` only guards the walk.
        if (fragment && !visiting.has(name)) {
          max = Math.max(max, depthOf(fragment, new Set([...visiting, name])));
        }
      }
    }
    return max;
  };
  return depthOf(operation.selectionSet, new Set());
}
