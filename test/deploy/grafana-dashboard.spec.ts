import { join } from 'node:path';
import { dashboardQueries, exportedMetrics, loadDashboard, metricsOf } from './grafana-dashboard';

const root = join(__dirname, '..', '..');
const dashboard = loadDashboard(root);

describe('metricsOf (PromQL)', () => {
  it.each([
    [
      'sum by (outcome) (rate(t2t_ingest_spans_total{service=~"$service"}[5m]))',
      ['t2t_ingest_spans_total'],
    ],
    [
      'histogram_quantile(0.95, sum by (le) (rate(t2t_ingest_chunk_write_seconds_bucket[1m])))',
      ['t2t_ingest_chunk_write_seconds'],
    ],
    ['label_values(process_resident_memory_bytes, service)', ['process_resident_memory_bytes']],
    ['max(a_b) / on (pod) max(c_d{x="y_z"})', ['a_b', 'c_d']],
  ])('%s', (expr, names) => expect(metricsOf(expr).sort()).toEqual([...names].sort()));
});

describe('exportedMetrics', () => {
  it('reads the families an exposition declares', () => {
    const text =
      '# HELP a_total x\n# TYPE a_total counter\na_total 1\n# TYPE h_seconds histogram\n';
    expect(exportedMetrics(text)).toEqual(new Set(['a_total', 'h_seconds']));
  });
});

describe('deploy/grafana/trace2test-dashboard.json', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');

  it('covers the pipeline: ingest, dead letters, lag, open traces, window latency, models, tests, processes', () => {
    const used = new Set(dashboardQueries(dashboard).flatMap(metricsOf));
    for (const m of [
      't2t_ingest_spans_total',
      't2t_ingest_dead_letters_total',
      't2t_ingest_consumer_lag',
      't2t_clustering_consumer_lag',
      't2t_clustering_open_traces',
      't2t_clustering_window_emit_seconds',
      't2t_modeling_model_version',
      't2t_generator_runs_total',
      'process_resident_memory_bytes',
    ])
      expect(used).toContain(m);
  });

  it('is importable: unique panel ids, a grid position and the data-source variable on every query panel', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(
      expect.arrayContaining(['datasource', 'service']),
    );
    for (const p of panels) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.targets!.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      // Every query narrows to the selected services.
      for (const t of p.targets!) expect(t.expr).toContain('service=~"$service"');
    }
  });
});
