import { HEADERS } from '@t2t/messaging';
import { sourceOf } from './source-progress.header';

describe(sourceOf.name, () => {
  it('reads the ingest source and its event time from a record’s headers', () => {
    expect(
      sourceOf({
        [HEADERS.source]: Buffer.from('otlp_spans/3'),
        [HEADERS.sourceTime]: Buffer.from('1767225600123456789'),
      }),
    ).toEqual({ source: 'otlp_spans/3', timeNs: 1_767_225_600_123_456_789n });
  });

  it('is undefined for records without them, or with a time that is not a number', () => {
    expect(sourceOf(undefined)).toBeUndefined();
    expect(sourceOf({ [HEADERS.source]: 'otlp_spans/3' })).toBeUndefined();
    expect(
      sourceOf({ [HEADERS.source]: 'otlp_spans/3', [HEADERS.sourceTime]: '-5' }),
    ).toBeUndefined();
  });

  it('names the other partitions of the source topic as peers when the count is given', () => {
    expect(
      sourceOf({
        [HEADERS.source]: 'otlp_spans/1',
        [HEADERS.sourceTime]: '5',
        [HEADERS.sourcePartitions]: '3',
      }),
    ).toEqual({
      source: 'otlp_spans/1',
      timeNs: 5n,
      peers: ['otlp_spans/0', 'otlp_spans/1', 'otlp_spans/2'],
    });
    expect(
      sourceOf({
        [HEADERS.source]: 'otlp_spans/1',
        [HEADERS.sourceTime]: '5',
        [HEADERS.sourcePartitions]: 'many',
      })?.peers,
    ).toBeUndefined();
  });
});
