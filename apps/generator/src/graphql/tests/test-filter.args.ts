import { ArgsType, Field } from '@nestjs/graphql';
import type { TestFilter } from '@t2t/storage';
import { PageArgs } from '../pagination/page.args';
import { TestGenerator, TestKind, TestVerdict } from '../types/test.enums';

/** Pagination and filters of a list of tests; every filter given must hold. */
@ArgsType()
export class TestPageArgs extends PageArgs {
  @Field(() => TestKind, { nullable: true })
  kind?: TestKind | null;

  @Field(() => TestVerdict, { nullable: true })
  verdict?: TestVerdict | null;

  @Field(() => TestGenerator, { nullable: true })
  generator?: TestGenerator | null;
}

/** The filters as the repository takes them (enum values are the stored values). */
export function testFilterOf(args: TestPageArgs): TestFilter {
  return {
    kind: args.kind ?? undefined,
    verdict: args.verdict ?? undefined,
    generator: args.generator ?? undefined,
  };
}
