import { type ExporterProcess, startExporterProcess } from './otlp-exporter.process';
import {
  expectSameSpans,
  metric,
  RecordingIntake,
  type RunningReceiver,
  startReceiver,
} from './receiver.harness';

/**
 * The receiver against the real OpenTelemetry JS OTLP exporters (exporter-trace-otlp-proto and
 * exporter-trace-otlp-http), run in a child process as an instrumented service runs them.
 */
describe('OTLP/HTTP receiver with the OpenTelemetry JS exporters', () => {
  const intake = new RecordingIntake();
  let exporter: ExporterProcess;
  let receiver: RunningReceiver;

  beforeAll(async () => {
    [exporter, receiver] = await Promise.all([
      startExporterProcess(),
      startReceiver(intake, {
        OTLP_HTTP_MAX_REQUEST_BYTES: String(256 * 1024),
        OTLP_HTTP_MAX_DECOMPRESSED_BYTES: String(1024 * 1024),
      }),
    ]);
  });
  afterAll(async () => {
    await exporter?.stop();
    await receiver?.close();
  });
  beforeEach(() => intake.reset());

  const spansAccepted = 't2t_otlp_http_spans_total{outcome="accepted",service="receiver-test"}';
  const wireBytes = 't2t_otlp_http_request_bytes_total{stage="wire",service="receiver-test"}';
  const decompressedBytes =
    't2t_otlp_http_request_bytes_total{stage="decompressed",service="receiver-test"}';
  async function counters(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const line of (await receiver.metrics.text()).split('\n')) {
      const space = line.lastIndexOf(' ');
      if (line.startsWith('t2t_otlp_http_'))
        out[line.slice(0, space)] = Number(line.slice(space + 1));
    }
    return new Proxy(out, { get: (o, k: string) => o[k] ?? 0 });
  }

  describe.each([
    ['proto', 'otlp_proto'],
    ['json', 'otlp_json'],
  ] as const)('%s exporter', (protocol, encoding) => {
    it.each(['none', 'gzip'] as const)(
      'delivers exactly the exported spans (compression %s)',
      async (compression) => {
        const ok = `t2t_otlp_http_requests_total{status="200",encoding="${encoding}",service="receiver-test"}`;
        const before = await counters();
        const report = await exporter.export({
          protocol,
          compression,
          url: receiver.url,
          spans: 25,
        });
        expect(report).toMatchObject({ code: 'success' });
        expect(report.diag.filter((d) => d.level === 'warn' || d.level === 'error')).toEqual([]);
        expect(intake.requests).toHaveLength(1);
        expect(intake.requests[0].encoding).toBe(encoding);
        expect(report.spans).toHaveLength(25);
        expectSameSpans(intake.requests[0], report.spans);
        const after = await counters();
        expect(after[ok] - before[ok]).toBe(1);
        expect(after[spansAccepted] - before[spansAccepted]).toBe(25);
        const wire = after[wireBytes] - before[wireBytes];
        const decompressed = after[decompressedBytes] - before[decompressedBytes];
        expect(decompressed).toBe(intake.requests[0].body.length);
        if (compression === 'gzip') expect(wire).toBeLessThan(decompressed / 2);
        else expect(wire).toBe(decompressed);
      },
    );

    it('reports partial success to the exporter, which logs it and counts the export as done', async () => {
      intake.answer({ kind: 'accepted', rejectedSpans: 2, message: '2 spans have no trace id' });
      const report = await exporter.export({
        protocol,
        compression: 'gzip',
        url: receiver.url,
        spans: 5,
      });
      // The SDK has no API for partial success: it reports SUCCESS and logs the server's answer.
      expect(report.code).toBe('success');
      const warning = report.diag.find((d) =>
        d.message.startsWith('Received Partial Success response:'),
      );
      expect(warning?.level).toBe('warn');
      const logged = JSON.parse(
        warning!.message.slice('Received Partial Success response: '.length),
      );
      // int64 as a number from protobuf, as a decimal string from JSON (proto3 JSON mapping).
      expect(logged).toEqual({
        rejectedSpans: protocol === 'proto' ? 2 : '2',
        errorMessage: '2 spans have no trace id',
      });
      expect(
        await metric(
          receiver.metrics,
          't2t_otlp_http_spans_total{outcome="rejected",service="receiver-test"}',
        ),
      ).toBeGreaterThanOrEqual(2);
    });

    it('retries after 503 with Retry-After and succeeds once the intake accepts', async () => {
      intake.answer({ kind: 'backpressure', retryAfterMs: 1000 });
      const report = await exporter.export({
        protocol,
        compression: 'gzip',
        url: receiver.url,
        spans: 5,
      });
      expect(report.code).toBe('success');
      expect(intake.requests).toHaveLength(2);
      expect(intake.requests[1].body.equals(intake.requests[0].body)).toBe(true);
      expectSameSpans(intake.requests[1], report.spans);
      // The exporter waited exactly what Retry-After said (1 s), not its own backoff.
      expect(report.diag.map((d) => d.message)).toContain('Scheduling export retry in 1000ms');
      expect(report.ms).toBeGreaterThanOrEqual(950);
    });

    it('gives up when the intake stays unavailable past the export timeout', async () => {
      const busy = { kind: 'backpressure', retryAfterMs: 1000 } as const;
      intake.answer(busy, busy, busy, busy, busy, busy);
      const report = await exporter.export({
        protocol,
        compression: 'none',
        url: receiver.url,
        spans: 3,
        timeoutMillis: 2500,
      });
      expect(report.code).toBe('failed');
      expect(intake.requests.length).toBeGreaterThanOrEqual(2);
      expect(intake.requests.length).toBeLessThanOrEqual(3);
    });

    it('gets a 413 it does not retry for a batch above the request limit', async () => {
      const report = await exporter.export({
        protocol,
        compression: 'none',
        url: receiver.url,
        spans: 40,
        padding: 8 * 1024,
      });
      expect(report).toMatchObject({ code: 'failed', httpStatus: 413 });
      expect(report.error).toContain('Payload Too Large');
      expect(intake.requests).toHaveLength(0);
    });

    it('gets a 413 for a gzip batch that is small on the wire but too large decompressed', async () => {
      const report = await exporter.export({
        protocol,
        compression: 'gzip',
        url: receiver.url,
        spans: 40,
        padding: 64 * 1024,
      });
      expect(report).toMatchObject({ code: 'failed', httpStatus: 413 });
      expect(intake.requests).toHaveLength(0);
    });
  });
});
