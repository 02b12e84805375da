/**
 * Decode throughput of the OTLP codec on a realistic ingest batch.
 *
 *   node -r @swc-node/register libs/otlp/bench/decode.bench.ts [seconds-per-case]
 *
 * Workload: one ExportTraceServiceRequest of 500 server spans from 4 resources, 8 attributes each
 * (http.method, http.route, http.status_code as int, url, net.peer.name, db.system, db.statement,
 * a bool), recorded with the OpenTelemetry JS SDK and serialized by otlp-transformer. Each case is
 * decoded over and over for a few seconds after a warm-up; the median of half-second rounds is
 * reported. The last line of output is one JSON object with the figures, for scripts.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
} from '@t2t/otlp';
import { recordBenchSpans } from '../test/sdk-spans.fixture';

const SPANS = 500;
const ROUND_MS = 500;
const seconds = Number(process.argv[2] ?? 3);

/** Median spans per second of `run`, which handles `SPANS` spans per call. */
function measure(name: string, run: () => unknown): number {
  const warmUntil = performance.now() + 1000;
  while (performance.now() < warmUntil) run();
  const rates: number[] = [];
  const endAt = performance.now() + seconds * 1000;
  while (performance.now() < endAt) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ROUND_MS) {
      run();
      calls++;
      now = performance.now();
    }
    rates.push((calls * SPANS * 1000) / (now - start));
  }
  rates.sort((a, b) => a - b);
  const median = Math.round(rates[rates.length >> 1]);
  const spread = `${Math.round(rates[0])}..${Math.round(rates[rates.length - 1])}`;
  console.log(`${name.padEnd(12)} ${median.toLocaleString('en')} spans/s (rounds ${spread})`);
  return median;
}

const sdkSpans = recordBenchSpans(SPANS);
const proto = ProtobufTraceSerializer.serializeRequest(sdkSpans)!;
const json = JsonTraceSerializer.serializeRequest(sdkSpans)!;
const spans = decodeTraceRequestProto(proto);
if (spans.length !== SPANS || decodeTraceRequestJson(json).length !== SPANS) {
  throw new Error('the benchmark request did not decode to the expected spans');
}

console.log(
  `node ${process.version}, ${SPANS} spans/request, ` +
    `${(proto.length / SPANS).toFixed(0)} B/span protobuf, ${(json.length / SPANS).toFixed(0)} B/span JSON`,
);
const figures = {
  proto_decode_spans_per_s: measure('proto decode', () => decodeTraceRequestProto(proto)),
  json_decode_spans_per_s: measure('json decode', () => decodeTraceRequestJson(json)),
  proto_encode_spans_per_s: measure('proto encode', () => encodeTraceRequestProto(spans)),
  json_encode_spans_per_s: measure('json encode', () => encodeTraceRequestJson(spans)),
  proto_bytes_per_span: Math.round(proto.length / SPANS),
  json_bytes_per_span: Math.round(json.length / SPANS),
  spans_per_request: SPANS,
};
console.log(JSON.stringify(figures));
