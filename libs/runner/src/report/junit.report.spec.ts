import { renderJUnit } from './junit.report';

describe(renderJUnit.name, () => {
  it('renders suites and cases with counts, and escapes what XML cannot carry', () => {
    const xml = renderJUnit('trace2test', [
      {
        name: 'POST /orders — "likes" <potatoes> & more',
        id: 'bhv-1',
        timestamp: '2026-11-25T09:00:00.000Z',
        properties: { endpoint: 'shop|HTTP POST /orders' },
        cases: [
          { name: 'satisfies every assertion', classname: 'shop|HTTP POST /orders', timeMs: 1234 },
          {
            name: 'variant: x',
            classname: 'shop|HTTP POST /orders',
            timeMs: 10,
            failure: {
              message: 'line 1\nline 2',
              type: 'TraceAssertionError',
              body: 'a < b\u0001',
            },
            systemOut: 'trace abc',
          },
          {
            name: 'broken',
            classname: 'c',
            timeMs: 0,
            error: { message: 'never arrived', type: 'TraceWaitError:no-spans', body: 'b' },
          },
          { name: 'quiet', classname: 'c', timeMs: 0, skipped: 'no traces' },
        ],
      },
    ]);
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="trace2test" tests="4" failures="1" errors="1" skipped="1" time="1.244">',
        '  <testsuite name="POST /orders — &quot;likes&quot; &lt;potatoes&gt; &amp; more" id="bhv-1" tests="4" failures="1" errors="1" skipped="1" time="1.244" timestamp="2026-11-25T09:00:00.000Z">',
        '    <properties>',
        '      <property name="endpoint" value="shop|HTTP POST /orders"/>',
        '    </properties>',
        '    <testcase name="satisfies every assertion" classname="shop|HTTP POST /orders" time="1.234">',
        '    </testcase>',
        '    <testcase name="variant: x" classname="shop|HTTP POST /orders" time="0.010">',
        '      <failure message="line 1&#10;line 2" type="TraceAssertionError">a &lt; b\uFFFD</failure>',
        '      <system-out>trace abc</system-out>',
        '    </testcase>',
        '    <testcase name="broken" classname="c" time="0.000">',
        '      <error message="never arrived" type="TraceWaitError:no-spans">b</error>',
        '    </testcase>',
        '    <testcase name="quiet" classname="c" time="0.000">',
        '      <skipped message="no traces"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });
});
