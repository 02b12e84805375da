/**
 * npm run bench:scale — clustering scale-out, measured: `npm run scale` with 1 ingest worker and
 * 1, 2 and 3 clustering workers, the same offered load each time, against one broker (KAFKA_BROKERS
 * or one started for the run). Prints each run's throughput (spans/s from the first message sent
 * until every span was clustered), the clustering workers' CPU per 1,000 spans, the ratios to one
 * worker, whether every trace was counted exactly once, and ends with one line of JSON.
 *
 * On this 2-core machine more workers do not bring more cores: the ratios show what coordination
 * costs (group membership, more partitions per fetch loop spread over processes, more processes
 * sharing two cores with ingest, the embedded ClickHouse engine and the broker), not a speed-up.
 *
 * Options: --rate SPANS_PER_S (default 10000), --seconds S (20), --workers 1,2,3, --partitions P (6),
 * --seed K (1). Exits 1 when a run fails the exactly-once check.
 */
import {
  ArgsError,
  checkWorkers,
  intFlag,
  printSummary,
  readFlags,
  runScale,
  type ScaleOptions,
  type ScaleResult,
  say,
  withBroker,
} from './scale';

interface BenchArgs {
  base: Omit<ScaleOptions, 'clustering'>;
  workers: number[];
}

function parseArgs(argv: string[]): BenchArgs {
  const flags = readFlags(argv, ['rate', 'seconds', 'workers', 'partitions', 'seed']);
  const workers = (flags.get('workers') ?? '1,2,3').split(',').map((s) => Number(s.trim()));
  if (workers.some((n) => !Number.isInteger(n) || n < 1 || n > 16))
    throw new ArgsError(`--workers takes whole numbers from 1 to 16, e.g. 1,2,3`);
  if (!workers.includes(1))
    throw new ArgsError('--workers must include 1 (the ratios are to one worker)');
  const base = {
    ingest: 1,
    rate: intFlag(flags, 'rate', 10_000, 1, 1_000_000),
    seconds: intFlag(flags, 'seconds', 20, 1, 3600),
    partitions: intFlag(flags, 'partitions', 6, 1, 64),
    spansPerMessage: undefined,
    drainTimeoutS: 120,
    seed: intFlag(flags, 'seed', 1, 0, 2 ** 31),
  };
  for (const n of workers) checkWorkers({ ...base, clustering: n });
  return { base, workers };
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    process.stderr.write(
      `bench:scale: ${e.message}\nusage: npm run bench:scale -- [--rate SPANS_PER_S] [--seconds S] [--workers 1,2,3] [--partitions P] [--seed K]\n`,
    );
    process.exit(2);
  }
  const results = await withBroker(async (brokers) => {
    const out: ScaleResult[] = [];
    for (const n of args.workers) {
      say('');
      say(`=== ${n} clustering worker${n === 1 ? '' : 's'} ===`);
      const r = await runScale({ ...args.base, clustering: n }, brokers);
      printSummary(r);
      out.push(r);
    }
    return out;
  });

  const one = results.find((r) => r.options.clustering === 1)!;
  const cpuPer1k = (r: ScaleResult) => (r.clusteringCpuS / r.producedSpans) * 1000 * 1000;
  say('');
  say(
    `bench:scale: 1 ingest worker, offered ${args.base.rate.toLocaleString('en-US')} spans/s for ${args.base.seconds} s, ${args.base.partitions} partitions`,
  );
  say(
    '  clustering workers | spans/s until all clustered | ratio to 1 | clustering CPU ms per 1k spans | ratio to 1 | exactly once',
  );
  for (const r of results) {
    const tp = r.clusteringSpansPerS;
    const ratio = tp && one.clusteringSpansPerS ? (tp / one.clusteringSpansPerS).toFixed(2) : 'n/a';
    say(
      `  ${String(r.options.clustering).padStart(18)} | ${(tp === undefined ? 'never' : Math.round(tp).toLocaleString('en-US')).padStart(27)} | ${ratio.padStart(10)} | ` +
        `${cpuPer1k(r).toFixed(1).padStart(30)} | ${(cpuPer1k(r) / cpuPer1k(one)).toFixed(2).padStart(10)} | ${r.exactlyOnce.ok ? 'OK' : 'FAILED'}`,
    );
  }
  say(
    '  This machine has 2 cores, shared by the broker, the ingest worker with its embedded ClickHouse engine, the load generator and every clustering worker: more workers bring no more cores, so the ratios show the cost of coordination (group membership, rebalances, more processes contending for the same cores), not a speed-up.',
  );
  if (results.every((r) => r.clusteringSpansPerS && r.clusteringSpansPerS >= 0.9 * args.base.rate))
    say(
      '  Every run kept up with the offered rate (throughput ≈ rate + pipeline latency): raise --rate to saturate; the CPU per span still shows the overhead.',
    );
  const json: Record<string, number | boolean | null> = {
    rate: args.base.rate,
    seconds: args.base.seconds,
  };
  for (const r of results) {
    const n = r.options.clustering;
    json[`clustering_${n}_spans_per_s`] =
      r.clusteringSpansPerS === undefined ? null : Math.round(r.clusteringSpansPerS);
    json[`clustering_${n}_cpu_ms_per_1k_spans`] = Number(cpuPer1k(r).toFixed(1));
    if (n !== 1)
      json[`ratio_${n}_to_1`] =
        r.clusteringSpansPerS && one.clusteringSpansPerS
          ? Number((r.clusteringSpansPerS / one.clusteringSpansPerS).toFixed(3))
          : null;
  }
  json.exactly_once = results.every((r) => r.exactlyOnce.ok);
  say(JSON.stringify(json));
  process.exit(json.exactly_once ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`bench:scale: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
