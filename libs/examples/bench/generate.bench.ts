/**
 * Generation throughput of the example systems.
 *
 *   node -r @swc-node/register libs/examples/bench/generate.bench.ts [spans-per-case]
 *
 * Streams traces from iterateTraces (nothing is kept) until at least the given number of spans
 * (default 1,000,000) per case, after a warm-up, and prints spans/s. With `--pack`, also times
 * toOtlpRequests + encodeTraceRequestProto on 100k spans. The last line is one JSON object with
 * the figures, for scripts.
 */
import { encodeTraceRequestProto } from '@t2t/otlp';
import {
  bankSystem,
  checkoutSystem,
  deliverySystem,
  generateTraces,
  iterateTraces,
  potatoSystem,
  railwaySystem,
  toOtlpRequests,
  type GenerateOptions,
  type SystemDefinition,
} from '@t2t/examples';

const target = Number(process.argv[2] ?? 1_000_000);

function run(
  system: SystemDefinition,
  options: Omit<GenerateOptions, 'traces' | 'seed'>,
  spans: number,
): { spans: number; ms: number } {
  let count = 0;
  const start = performance.now();
  for (const trace of iterateTraces(system, {
    seed: 42,
    traces: Number.MAX_SAFE_INTEGER,
    ...options,
  })) {
    count += trace.spans.length;
    if (count >= spans) break;
  }
  return { spans: count, ms: performance.now() - start };
}

const figures: Record<string, number> = {};
for (const [name, system] of [
  ['potato', potatoSystem],
  ['checkout', checkoutSystem],
  ['bank', bankSystem],
  ['delivery', deliverySystem],
  ['railway', railwaySystem],
] as const) {
  for (const noise of [false, true]) {
    run(system, { noise }, 100_000);
    const { spans, ms } = run(system, { noise }, target);
    const rate = Math.round((spans * 1000) / ms);
    const label = `${name}${noise ? '+noise' : ''}`;
    figures[label] = rate;
    console.log(
      `${label.padEnd(16)} ${spans.toLocaleString('en')} spans in ${ms.toFixed(0)} ms: ${rate.toLocaleString('en')} spans/s`,
    );
  }
}

if (process.argv.includes('--pack')) {
  const traces = generateTraces(checkoutSystem, { seed: 1, traces: 5_000 });
  const spanCount = traces.reduce((s, t) => s + t.spans.length, 0);
  const start = performance.now();
  let bytes = 0;
  for (const request of toOtlpRequests(traces, { spansPerRequest: 512 }))
    bytes += encodeTraceRequestProto(request).length;
  const ms = performance.now() - start;
  figures['pack+encode'] = Math.round((spanCount * 1000) / ms);
  console.log(
    `pack+encode      ${spanCount.toLocaleString('en')} spans in ${ms.toFixed(0)} ms (${(bytes / spanCount).toFixed(0)} B/span)`,
  );
}

console.log(
  JSON.stringify({ node: process.version, spansPerCase: target, spansPerSecond: figures }),
);
