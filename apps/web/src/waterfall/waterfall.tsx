import { useState } from 'react';
import { ms } from '../format';
import { layoutWaterfall, timeTicks, type WaterfallSpan } from './waterfall.geometry';

/** Twelve colours that stay apart from each other and readable on white. */
export const SERVICE_COLOURS = [
  '#1f77b4',
  '#d95f02',
  '#2a9d3f',
  '#b8336a',
  '#7b5ea7',
  '#8c564b',
  '#c2185b',
  '#5f6b00',
  '#00838f',
  '#6d4c41',
  '#3949ab',
  '#ad1457',
];

export const serviceColour = (i: number): string => SERVICE_COLOURS[i % SERVICE_COLOURS.length];

const KIND_MARK: Record<string, string> = {
  SERVER: 'server',
  CLIENT: 'client',
  PRODUCER: 'producer',
  CONSUMER: 'consumer',
  INTERNAL: 'internal',
  UNSPECIFIED: 'span',
};

/**
 * A trace as a waterfall: one row per span, indented under its parent, its bar placed on the
 * trace's time axis in its service's colour, its kind marked. Hovering (or focusing) a span's
 * name shows its attributes. `highlight` marks the spans a failed assertion names.
 */
export function TraceWaterfall({
  spans,
  highlight,
  label,
}: {
  spans: WaterfallSpan[];
  highlight?: ReadonlySet<string>;
  label: string;
}) {
  const [shown, setShown] = useState<string | undefined>();
  const [pinned, setPinned] = useState<string | undefined>();
  const w = layoutWaterfall(spans);
  if (w.rows.length === 0) return <p className="muted">No spans stored for this trace.</p>;
  const ticks = timeTicks(w.totalMs);
  const open = pinned ?? shown;
  return (
    <figure className="waterfall" aria-label={label} data-testid="waterfall">
      <figcaption>
        {label}: {w.rows.length} spans in {ms(w.totalMs)}
        <span className="legend">
          {w.services.map((s, i) => (
            <span key={s} className="legend-item">
              <span
                className="swatch"
                style={{ background: serviceColour(i) }}
                aria-hidden="true"
              />
              {s}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="wf-axis" aria-hidden="true">
        <div className="wf-name" />
        <div className="wf-track">
          <div className="wf-lane">
            {ticks.map((t) => (
              <span
                key={t}
                className="wf-tick"
                style={{ left: `${(t / (w.totalMs || 1)) * 100}%` }}
              >
                {ms(t)}
              </span>
            ))}
          </div>
        </div>
      </div>
      <ol className="wf-rows">
        {w.rows.map((r) => {
          const s = r.span;
          const involved = highlight?.has(s.spanId) ?? false;
          const error = s.statusCode === 'ERROR';
          return (
            <li
              key={s.spanId}
              className={`wf-row${involved ? ' wf-involved' : ''}${error ? ' wf-error' : ''}`}
              data-span-id={s.spanId}
              onMouseEnter={() => setShown(s.spanId)}
              onMouseLeave={() => setShown((x) => (x === s.spanId ? undefined : x))}
            >
              <div className="wf-name" style={{ paddingLeft: `${r.depth * 14 + 4}px` }}>
                <button
                  type="button"
                  className="wf-span-button"
                  aria-expanded={open === s.spanId}
                  onFocus={() => setShown(s.spanId)}
                  onBlur={() => setShown((x) => (x === s.spanId ? undefined : x))}
                  onClick={() => setPinned((p) => (p === s.spanId ? undefined : s.spanId))}
                >
                  <span className={`kind kind-${s.kind.toLowerCase()}`}>
                    {KIND_MARK[s.kind] ?? s.kind}
                  </span>{' '}
                  <span className="wf-service">
                    <span
                      className="swatch"
                      style={{ background: serviceColour(r.colour) }}
                      aria-hidden="true"
                    />{' '}
                    {s.service}
                  </span>{' '}
                  {s.name}
                  {involved ? (
                    <span className="wf-flag">
                      {' '}
                      ◀ involved<span className="visually-hidden"> in a failed assertion</span>
                    </span>
                  ) : null}
                  {error ? <span className="wf-flag"> (error)</span> : null}
                </button>
              </div>
              <div className="wf-track">
                <div className="wf-lane">
                  <div
                    className={`wf-bar kind-bar-${s.kind.toLowerCase()}`}
                    style={{
                      left: `${r.offset * 100}%`,
                      width: `max(2px, ${r.width * 100}%)`,
                      background: serviceColour(r.colour),
                    }}
                    title={`${s.service} ${s.name}: ${ms(r.durationMs)} from ${ms(r.startMs)}`}
                  />
                </div>
                <span className="wf-duration">{ms(r.durationMs)}</span>
              </div>
              {open === s.spanId ? (
                <SpanDetails span={s} startMs={r.startMs} durationMs={r.durationMs} />
              ) : null}
            </li>
          );
        })}
      </ol>
    </figure>
  );
}

function SpanDetails({
  span,
  startMs,
  durationMs,
}: {
  span: WaterfallSpan;
  startMs: number;
  durationMs: number;
}) {
  return (
    <div className="wf-details" role="tooltip">
      <strong>
        {span.service}: {span.name}
      </strong>
      <div className="muted">
        {span.kind.toLowerCase()} · starts at {ms(startMs)} · {ms(durationMs)} · status{' '}
        {span.statusCode.toLowerCase()}
        {span.statusMessage ? ` (${span.statusMessage})` : ''}
      </div>
      {span.attributes && span.attributes.length > 0 ? (
        <dl>
          {span.attributes.map((a) => (
            <div key={a.key} className="attr">
              <dt>{a.key}</dt>
              <dd>{a.value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <div className="muted">no attributes</div>
      )}
    </div>
  );
}

/** The fields a waterfall needs, to select on a Span. */
export const WATERFALL_SPAN_FIELDS = `spanId parentSpanId name service kind startTimeUnixNano durationNs statusCode statusMessage attributes { key value }`;
