import { buildSystemModel, type ModelTrace, type SystemModel } from '@t2t/model';
import { WorkerThread, workerFile } from '@t2t/platform';
import { evidenceOf, type EvidenceText } from '@t2t/storage';
import { exampleEvidence } from '../../../libs/testgen/test/example-evidence.fixture';

describe('model build worker', () => {
  const thread = new WorkerThread(
    workerFile(require.resolve('./modeling.service'), 'model-build.worker'),
    'model build',
  );
  afterAll(() => thread.close());

  it('builds on its thread exactly the model modeling would build inline', async () => {
    const { evidence } = exampleEvidence('checkout');
    const model = await thread.run<SystemModel>('build', { evidence, tenant: 'acme' });
    expect(model.endpoints.length).toBeGreaterThan(0);
    expect(model).toEqual(buildSystemModel(evidence));
  });

  it('parses evidence sent as read (span rows as text) on its thread, into the same model', async () => {
    const { evidence } = exampleEvidence('checkout');
    const KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
    const STATUSES = ['Unset', 'Ok', 'Error'];
    const line = (t: ModelTrace) =>
      t.spans
        .map((s) =>
          JSON.stringify({
            Timestamp: String(s.startNs),
            TraceId: s.traceId,
            SpanId: s.spanId,
            ParentSpanId: s.parentSpanId,
            SpanName: s.name,
            SpanKind: KINDS[s.kind],
            ServiceName: s.service,
            SpanAttributes: s.attributes,
            Duration: String(s.durationNs),
            StatusCode: STATUSES[s.statusCode],
            'Links.TraceId': (s.links ?? []).map((l) => l.traceId),
            'Links.SpanId': (s.links ?? []).map((l) => l.spanId),
          }),
        )
        .join('\n');
    const key = (e: (typeof evidence)[number]) => `${e.endpoint}\u0000${e.fingerprint}`;
    const text = (): EvidenceText => ({
      stats: evidence.map((e) => ({
        endpoint: e.endpoint,
        fingerprint: e.fingerprint,
        traces: e.traces,
        errors: e.errors,
        sketch: { gamma: 0, zeroCount: 0, indexes: [], counts: [] },
        lateDurationsUs: [e.p50Us, e.p95Us],
      })),
      samples: new Map(evidence.map((e) => [key(e), e.samples.map((t) => t.traceId)])),
      representatives: new Map(
        evidence.flatMap((e) => (e.representative ? [[key(e), e.representative.traceId]] : [])),
      ),
      // Each trace once, as the reader reads it (a representative is often a sample too).
      pages: [
        [
          ...new Map(
            evidence
              .flatMap((e) => [...e.samples, ...(e.representative ? [e.representative] : [])])
              .map((t) => [t.traceId, t]),
          ).values(),
        ]
          .map(line)
          .join('\n'),
      ],
    });
    const model = await thread.run<SystemModel>('build', { text: text(), tenant: 'acme' });
    expect(model.endpoints.length).toBeGreaterThan(0);
    expect(model).toEqual(buildSystemModel(evidenceOf(text())));
    expect(model.edges).toEqual(buildSystemModel(evidence).edges);
  });

  it('refuses a task without a well-formed tenant', async () => {
    const { evidence } = exampleEvidence('checkout');
    await expect(
      thread.run<SystemModel>('build', { evidence, tenant: 'Not A Tenant' }),
    ).rejects.toThrow(/invalid tenant/);
  });
});
