import { Injectable } from '@nestjs/common';
import { type GenerationRun, TestRepository } from '@t2t/storage';
import { BadUserInputError, NotFoundError } from '../errors/api.errors';
import type { Connection } from '../pagination/connection.type';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import { keysetConnection } from '../pagination/keyset.connection';
import { type PageArgs, pageSize } from '../pagination/page.args';

const RUNS = 'generationRuns';
/** Between start time and run id; neither contains it. */
const SEP = '\u0000';
/** A start time as the repository writes it into cursors (ClickHouse DateTime64 text). */
const STARTED_AT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

const runCursor = (r: GenerationRun) => encodeCursor(RUNS, `${r.startedAt}${SEP}${r.runId}`);

/** Generation runs as the API reads them: one by id, or newest-first pages. */
@Injectable()
export class GenerationRunReader {
  constructor(private readonly tests: TestRepository) {}

  async run(id: string): Promise<GenerationRun> {
    const [found] = await this.tests.runsByIds([id]);
    if (!found) throw new NotFoundError(`generation run ${id} not found`);
    return found;
  }

  /**
   * Newest first, keyset-paged on (start time, run id): runs started while a client pages (always
   * newer) do not shift the pages it has not read yet, and runs started in the same millisecond
   * are each listed once.
   */
  async runs(args: PageArgs): Promise<Connection<GenerationRun>> {
    const first = pageSize(args);
    let before: { startedAt: string; runId: string } | undefined;
    if (args.after) {
      const parts = String(decodeCursor(RUNS, args.after)).split(SEP);
      // The start time goes into SQL as a DateTime64: a forged one is the client's mistake.
      if (parts.length !== 2 || !STARTED_AT.test(parts[0])) {
        throw new BadUserInputError('malformed cursor', 'after');
      }
      before = { startedAt: parts[0], runId: parts[1] };
    }
    const rows = await this.tests.runsPage(first + 1, before);
    return keysetConnection(rows, first, before !== undefined, runCursor);
  }
}
