/**
 * kafkajs 2.2 schedules its request-queue check at `throttledUntil - Date.now()`, which is negative
 * (about minus the epoch) whenever the broker never throttled the client. Node.js has always run
 * such a timer after 1 ms; Node 22+ also prints a TimeoutNegativeWarning to stderr, once per
 * process, for every command and service that talks to Kafka. The timer's behaviour is the one
 * kafkajs relies on, so only that warning, raised from kafkajs' request queue, is dropped; every
 * other warning (including other negative timeouts) is emitted as before.
 */
let installed = false;

export function silenceKafkajsNegativeTimeoutWarning(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    if (isKafkajsNegativeTimeout(warning, rest[0])) return;
    emit(warning, ...rest);
  };
}

function isKafkajsNegativeTimeout(warning: string | Error, typeOrOptions: unknown): boolean {
  const type =
    typeof warning !== 'string'
      ? warning.name
      : typeof typeOrOptions === 'string'
        ? typeOrOptions
        : (typeOrOptions as { type?: string } | undefined)?.type;
  if (type !== 'TimeoutNegativeWarning') return false;
  // The timer is created synchronously by the caller, so its frame is on this stack.
  return /kafkajs[\\/]src[\\/]network[\\/]requestQueue/.test(new Error().stack ?? '');
}
