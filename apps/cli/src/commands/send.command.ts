import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../cli.context';
import { positiveInt, seconds } from './flag.parsers';
import { FORMAT_CHOICES, type FormatChoice } from '../produce/input-format';
import { runSend } from '../send/send.runner';

interface SendFlags {
  url: string;
  format: FormatChoice;
  strict: boolean;
  compression: 'gzip' | 'none';
  concurrency: number;
  retryFor: number;
  progressInterval: number;
}

/** Where the embedded product (`npm start`, `npm run demo`) receives OTLP/HTTP. */
export const DEFAULT_OTLP_URL = 'http://localhost:4318/v1/traces';

function httpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`must be http:// or https://, got ${url.protocol}`);
  return url.toString();
}

/** `t2t send`: OTLP trace request files to an OTLP/HTTP endpoint, as they are. */
export function registerSendCommand(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .summary('send OTLP trace request files to an OTLP/HTTP endpoint (the embedded product)')
    .description(
      'Posts OTLP ExportTraceServiceRequest files to an OTLP/HTTP traces endpoint as they are ' +
        '(no re-encoding; gzip on the wire): the way into the embedded product without Kafka, or ' +
        'into any OpenTelemetry Collector. Inputs as for produce. 408/429/502/503/504 and refused ' +
        'connections are retried (Retry-After honoured); other refusals and rejected spans are ' +
        'reported per file and make the exit code 1.',
    )
    .argument('[inputs...]', 'files, directories, or - for stdin (default: stdin when piped)')
    .option('-u, --url <url>', 'OTLP/HTTP traces endpoint', httpUrl, DEFAULT_OTLP_URL)
    .addOption(
      new Option('-f, --format <format>', 'input format; auto = by extension, stdin by content')
        .choices(FORMAT_CHOICES)
        .default('auto'),
    )
    .option('--strict', 'stop at the first bad input or refused request (exit 1)', false)
    .addOption(
      new Option('--compression <codec>', 'request body compression')
        .choices(['gzip', 'none'])
        .default('gzip'),
    )
    .option('--concurrency <requests>', 'requests in flight at once', positiveInt, 4)
    .option(
      '--retry-for <seconds>',
      'how long one request may be retried while the endpoint is unavailable',
      seconds,
      120,
    )
    .option(
      '--progress-interval <seconds>',
      'seconds between progress lines on stderr; 0 = none',
      seconds,
      5,
    )
    .action(async (inputs: string[], flags: SendFlags) => {
      if (inputs.length === 0) {
        if (ctx.stdinIsTerminal) {
          ctx.stderr.write(
            't2t send: no inputs: name files or directories, or pipe requests into -\n',
          );
          ctx.exitCode = 2;
          return;
        }
        inputs = ['-'];
      }
      ctx.exitCode = await runSend(
        {
          inputs,
          url: flags.url,
          format: flags.format,
          strict: flags.strict,
          gzip: flags.compression === 'gzip',
          concurrency: flags.concurrency,
          retryForMs: flags.retryFor * 1000,
          progressIntervalMs: flags.progressInterval * 1000,
        },
        { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr },
      );
    });
}
