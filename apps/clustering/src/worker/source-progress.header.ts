import type { IHeaders } from 'kafkajs';
import type { SourceProgress } from '@t2t/fingerprint';
import { HEADERS } from '@t2t/messaging';

/** The ingest source and its progress from a record's headers; undefined when absent or unreadable. */
export function sourceOf(headers: IHeaders | undefined): SourceProgress | undefined {
  const source = headerText(headers?.[HEADERS.source]);
  const time = headerText(headers?.[HEADERS.sourceTime]);
  if (source === undefined || time === undefined || !/^\d{1,20}$/.test(time)) return undefined;
  return { source, timeNs: BigInt(time) };
}

function headerText(v: IHeaders[string]): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}
