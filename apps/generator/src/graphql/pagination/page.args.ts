import { ArgsType, Field, Int } from '@nestjs/graphql';
import { BadUserInputError } from '../errors/api.errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Relay forward pagination arguments, shared by every connection. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Items to return (0..${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).`,
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Return items after this cursor (an `endCursor` or an edge `cursor`).',
  })
  after?: string | null;
}

/** The page size asked for, checked. */
export function pageSize(args: Pick<PageArgs, 'first'>): number {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

/**
 * Complexity of a connection field for graphql-query-complexity: its selection counts once per
 * item the page can hold. An out-of-range `first` is costed at the maximum; the resolver refuses it.
 */
export function connectionComplexity(options: {
  args: { first?: number | null };
  childComplexity: number;
}): number {
  const first = options.args.first ?? DEFAULT_PAGE_SIZE;
  const items = first >= 0 && first <= MAX_PAGE_SIZE ? first : MAX_PAGE_SIZE;
  return 1 + options.childComplexity * Math.max(items, 1);
}
