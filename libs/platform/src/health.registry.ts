import { Injectable } from '@nestjs/common';

/** A dependency the service needs to do its work (ClickHouse, the Kafka consumer...). */
export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (or times out) with the reason otherwise. */
  check(): Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, { status: 'ok' | 'failed'; error?: string; ms: number }>;
}

const CHECK_TIMEOUT_MS = 5000;

/** Readiness = every registered check passes. Liveness needs nothing but a responsive event loop. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(check: HealthCheck): void {
    this.checks.set(check.name, check);
  }

  async report(): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks.values()].map(async (c) => {
        const t0 = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            c.check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
                CHECK_TIMEOUT_MS,
              );
            }),
          ]);
          return [c.name, { status: 'ok' as const, ms: Date.now() - t0 }] as const;
        } catch (e) {
          return [
            c.name,
            { status: 'failed' as const, error: (e as Error).message, ms: Date.now() - t0 },
          ] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks: HealthReport['checks'] = {};
    for (const [name, result] of entries) checks[name] = result;
    const ok = entries.every(([, r]) => r.status === 'ok');
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
