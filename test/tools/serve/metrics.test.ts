import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../../tools/serve/metrics.js';

test('serve › metrics › Prometheus text: HELP, TYPE, labelled series, cumulative buckets', () => {
  const r = new Registry();
  const c = r.counter('x_total', 'Things.');
  c.inc({ code: 'E_A' });
  c.inc({ code: 'E_A' });
  c.inc({ code: 'say "hi"\n' }, 3);
  r.gauge('g_bytes', 'Bytes.', () => [[{ model: 'm' }, 12]]);
  const h = r.histogram('h_seconds', 'Time.', [0.1, 1]);
  h.observe(0.05, { route: 'p' });
  h.observe(0.5, { route: 'p' });
  h.observe(5, { route: 'p' });
  const text = r.render();
  assert.equal(text, [
    '# HELP x_total Things.', '# TYPE x_total counter',
    'x_total{code="E_A"} 2', 'x_total{code="say \\"hi\\"\\n"} 3',
    '# HELP g_bytes Bytes.', '# TYPE g_bytes gauge', 'g_bytes{model="m"} 12',
    '# HELP h_seconds Time.', '# TYPE h_seconds histogram',
    'h_seconds_bucket{route="p",le="0.1"} 1', 'h_seconds_bucket{route="p",le="1"} 2', 'h_seconds_bucket{route="p",le="+Inf"} 3',
    'h_seconds_sum{route="p"} 5.55', 'h_seconds_count{route="p"} 3', '',
  ].join('\n'));
  assert.equal(c.get({ code: 'E_A' }), 2);
  assert.equal(h.count({ route: 'p' }), 3);
});
