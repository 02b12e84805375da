import type { SourceProgress } from '@t2t/fingerprint';
import { HEADERS, type RecordHeaders } from '@t2t/messaging';

/** Peer lists by `topic/count`: records repeat the same few. */
const peerLists = new Map<string, readonly string[]>();

/**
 * The ingest source and its progress from a record's headers; undefined when absent or unreadable.
 * With the source topic's partition count (`x-t2t-source-partitions`), its peers are the topic's
 * other partitions.
 */
export function sourceOf(headers: RecordHeaders | undefined): SourceProgress | undefined {
  const source = headerText(headers?.[HEADERS.source]);
  const time = headerText(headers?.[HEADERS.sourceTime]);
  if (source === undefined || time === undefined || !/^\d{1,20}$/.test(time)) return undefined;
  const progress: SourceProgress = { source, timeNs: BigInt(time) };
  const count = Number(headerText(headers?.[HEADERS.sourcePartitions]));
  const slash = source.lastIndexOf('/');
  if (Number.isInteger(count) && count > 0 && count <= 10_000 && slash > 0) {
    const key = `${source.slice(0, slash)}/${count}`;
    let peers = peerLists.get(key);
    if (peers === undefined) {
      const topic = source.slice(0, slash);
      peers = Array.from({ length: count }, (_, i) => `${topic}/${i}`);
      if (peerLists.size < 1000) peerLists.set(key, peers);
    }
    progress.peers = peers;
  }
  return progress;
}

function headerText(v: RecordHeaders[string]): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}
