import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  assertTopicName,
  createKafka,
  kafkaEnv,
  KafkaConfigError,
  type MessagingClient,
  TOPICS,
} from '@t2t/messaging';
import type { CliContext } from '../cli.context';
import { positiveInt, seconds } from './flag.parsers';
import { FORMAT_CHOICES, type FormatChoice } from '../produce/input-format';
import { runProduce } from '../produce/produce.runner';

interface ProduceFlags {
  topic: string;
  brokers?: string;
  format: FormatChoice;
  strict: boolean;
  batchSize: number;
  batchBytes: number;
  compression: 'gzip' | 'none';
  progressInterval: number;
  connectTimeout: number;
}

function topicName(raw: string): string {
  try {
    assertTopicName(raw);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return raw;
}

/** Fails the command as a usage error (exit 2) with `message`. */
function usage(ctx: CliContext, message: string): void {
  ctx.stderr.write(`t2t produce: ${message}\n`);
  ctx.exitCode = 2;
}

/** `t2t produce`: OTLP trace request files to a Kafka topic, as they are. */
export function registerProduceCommand(program: Command, ctx: CliContext): void {
  program
    .command('produce')
    .summary('produce OTLP trace request files to a Kafka topic')
    .description(
      'Produces OTLP ExportTraceServiceRequest files to a Kafka topic as they are (no re-encoding): ' +
        '.json = one request, .jsonl/.ndjson = one request per non-empty line, ' +
        '.pb/.bin/.protobuf = one protobuf request. Directories are walked in sorted order; - reads stdin. ' +
        'Bad files and lines are reported (file:line: reason) and skipped; the exit code is then 1.',
    )
    .argument('[inputs...]', 'files, directories, or - for stdin (default: stdin when piped)')
    .option('-t, --topic <name>', 'topic to produce to', topicName, TOPICS.spans)
    .option('-b, --brokers <host:port,...>', 'bootstrap servers (default: $KAFKA_BROKERS)')
    .addOption(
      new Option('-f, --format <format>', 'input format; auto = by extension, stdin by content')
        .choices(FORMAT_CHOICES)
        .default('auto'),
    )
    .option('--strict', 'stop at the first bad file or line (exit 1)', false)
    .option('--batch-size <records>', 'records per produce request', positiveInt, 500)
    .option(
      '--batch-bytes <bytes>',
      'value bytes per produce request, below the broker message.max.bytes',
      positiveInt,
      1_000_000,
    )
    .addOption(
      new Option('--compression <codec>', 'record batch compression')
        .choices(['gzip', 'none'])
        .default('gzip'),
    )
    .option(
      '--progress-interval <seconds>',
      'seconds between progress lines on stderr; 0 = none',
      seconds,
      5,
    )
    .option(
      '--connect-timeout <seconds>',
      'give up when the brokers do not answer within this time',
      seconds,
      15,
    )
    .action(async (inputs: string[], flags: ProduceFlags) => {
      let brokers = ctx.config.kafka.brokers;
      if (flags.brokers !== undefined) {
        try {
          brokers = kafkaEnv.schema.brokers.parse(flags.brokers);
        } catch (e) {
          return usage(ctx, `--brokers: ${(e as Error).message}`);
        }
      }
      if (!brokers) return usage(ctx, 'no Kafka brokers: pass --brokers or set KAFKA_BROKERS');
      if (inputs.length === 0) {
        if (ctx.stdinIsTerminal) {
          return usage(ctx, 'no inputs: name files or directories, or pipe requests into -');
        }
        inputs = ['-'];
      }
      let kafka: MessagingClient;
      try {
        kafka = createKafka({ ...ctx.config.kafka, brokers }, 'cli');
      } catch (e) {
        if (e instanceof KafkaConfigError) return usage(ctx, e.message);
        throw e;
      }
      ctx.exitCode = await runProduce(
        {
          inputs,
          topic: flags.topic,
          format: flags.format,
          strict: flags.strict,
          batchRecords: flags.batchSize,
          batchBytes: flags.batchBytes,
          compression: flags.compression === 'gzip' ? 'gzip' : 'none',
          progressIntervalMs: flags.progressInterval * 1000,
          connectTimeoutMs: flags.connectTimeout * 1000,
        },
        {
          kafka,
          brokers,
          stdin: ctx.stdin,
          stdout: ctx.stdout,
          stderr: ctx.stderr,
          lastClientError: () => ctx.logger.lastError,
        },
      );
    });
}
