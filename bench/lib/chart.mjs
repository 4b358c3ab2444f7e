// A hand-written SVG of one run: throughput bars, latency CDFs, p99 per second, targets.
const W = 960;
const PANEL_H = 250;
const M = { left: 250, right: 40, top: 40, bottom: 40 };
const COLORS = {
  herald: '#d9480f',
  ceiling: '#868e96',
  latency: '#1c7ed6',
  isolation: '#e8590c',
  pass: '#2f9e44',
  fail: '#e03131',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x, y, s, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
const fmt = (n) =>
  n >= 1000 ? `${(n / 1000).toFixed(n >= 10_000 ? 0 : 1)}k` : String(Math.round(n * 10) / 10);

function bars(y0, title, items, unit) {
  const out = [text(20, y0 + 24, title, 'class="title"')];
  const max = Math.max(1, ...items.map((i) => i.value ?? 0));
  const h = (PANEL_H - M.top - M.bottom) / Math.max(1, items.length);
  const width = W - M.left - M.right - 80;
  items.forEach((item, k) => {
    const y = y0 + M.top + k * h;
    const w = ((item.value ?? 0) / max) * width;
    out.push(text(M.left - 10, y + h * 0.6, item.label, 'text-anchor="end"'));
    out.push(
      `<rect x="${M.left}" y="${(y + h * 0.15).toFixed(1)}" width="${w.toFixed(1)}" height="${(h * 0.7).toFixed(1)}" fill="${item.color}"/>`,
    );
    out.push(text(M.left + w + 6, y + h * 0.6, item.value === null ? 'n/a' : `${fmt(item.value)} ${unit}`));
  });
  return out.join('\n');
}

function axes(x0, y0, w, h) {
  return `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#ced4da"/>`;
}

function lines(
  y0,
  title,
  series,
  { xLabel, yLabel, logX, yMax: fixedYMax, xMax: fixedXMax, yTicks, legendBottomRight },
) {
  const out = [text(20, y0 + 24, title, 'class="title"')];
  const x0 = 80;
  const w = W - x0 - M.right;
  const top = y0 + M.top;
  const h = PANEL_H - M.top - M.bottom;
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) return out.concat(text(x0, top + 20, 'no data')).join('\n');
  const xMin = logX ? Math.max(0.1, Math.min(...pts.map((p) => p[0]))) : 0;
  const xMax = fixedXMax ?? Math.max(...pts.map((p) => p[0]));
  const yMax = fixedYMax ?? Math.max(...pts.map((p) => p[1])) * 1.1;
  const sx = logX
    ? (v) =>
        x0 +
        ((Math.log10(Math.max(v, xMin)) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * w
    : (v) => x0 + (v / (xMax || 1)) * w;
  const sy = (v) => top + h - (Math.min(v, yMax) / yMax) * h;
  out.push(axes(x0, top, w, h));
  const xTicks = logX
    ? [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000].filter((t) => t >= xMin && t <= xMax)
    : Array.from({ length: 7 }, (_, i) => (xMax * i) / 6);
  for (const t of xTicks) {
    out.push(
      `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${top}" y2="${top + h}" stroke="#f1f3f5"/>`,
    );
    out.push(text(sx(t), top + h + 16, fmt(t), 'text-anchor="middle" class="small"'));
  }
  for (const t of yTicks ?? [0, yMax / 2, yMax]) {
    out.push(
      `<line x1="${x0}" x2="${x0 + w}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#f1f3f5"/>`,
    );
    out.push(text(x0 - 6, sy(t) + 4, yLabel.format(t), 'text-anchor="end" class="small"'));
  }
  out.push(text(x0 + w / 2, top + h + 32, xLabel, 'text-anchor="middle" class="small"'));
  const lx = legendBottomRight ? x0 + w - 380 : x0 + 10;
  const ly = legendBottomRight ? top + h - 14 - series.length * 18 : top;
  series.forEach((s, k) => {
    const d = s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<rect x="${lx}" y="${ly + 8 + k * 18}" width="12" height="3" fill="${s.color}"/>`);
    out.push(text(lx + 18, ly + 14 + k * 18, s.label, 'class="small"'));
  });
  return out.join('\n');
}

/** The targets panel grows with the list (at least 16 px a row). */
const targetsHeight = (list) => Math.max(PANEL_H, M.top + M.bottom + list.length * 16);

function targets(y0, list) {
  const out = [
    text(
      20,
      y0 + 24,
      'Targets: measured ÷ limit (≤ 1 passes; throughput: limit ÷ measured)',
      'class="title"',
    ),
  ];
  const panelH = targetsHeight(list);
  const h = (panelH - M.top - M.bottom) / Math.max(1, list.length);
  const width = W - M.left - M.right - 260;
  const cap = 4;
  const sx = (r) => M.left + (Math.min(r, cap) / cap) * width;
  list.forEach((t, k) => {
    const y = y0 + M.top + k * h;
    const higherIsBetter = t.higherIsBetter ?? t.unit === 'deliveries/s';
    const ratio =
      t.value === null || t.limit === null
        ? cap
        : higherIsBetter
          ? t.value > 0
            ? t.limit / t.value
            : cap
          : t.limit > 0
            ? Math.max(0, t.value / t.limit)
            : t.value > 0
              ? cap
              : 0;
    out.push(text(M.left - 10, y + h * 0.6, t.name, 'text-anchor="end" class="small"'));
    out.push(
      `<rect x="${M.left}" y="${(y + h * 0.15).toFixed(1)}" width="${(sx(ratio) - M.left).toFixed(1)}" height="${(h * 0.7).toFixed(1)}" fill="${t.pass ? COLORS.pass : COLORS.fail}"/>`,
    );
    out.push(
      text(
        sx(ratio) + 6,
        y + h * 0.6,
        `${t.display ?? `${t.value} ${t.unit}`} (limit ${t.limit})${ratio > cap ? ' ▶' : ''}`,
        'class="small"',
      ),
    );
  });
  out.push(
    `<line x1="${sx(1)}" x2="${sx(1)}" y1="${y0 + M.top - 4}" y2="${y0 + panelH - M.bottom + 4}" stroke="#212529" stroke-dasharray="4 3"/>`,
  );
  return out.join('\n');
}

/** The whole chart as an SVG document. */
export function renderChart(results, targetList, title) {
  const panels = [];
  const c = results.ceilings;
  const tp = results.throughput;
  if (c || tp) {
    panels.push((y) =>
      bars(
        y,
        'Throughput: ceilings and Herald (same run)',
        [
          { label: 'undici POST to sink', value: c?.undiciPostPerSecond ?? null, color: COLORS.ceiling },
          { label: 'JetStream publish', value: c?.jsPublishPerSecond ?? null, color: COLORS.ceiling },
          { label: 'naive one-hop (pre-filled)', value: c?.oneHopPerSecond ?? null, color: COLORS.ceiling },
          {
            label: 'naive one-hop (publishing)',
            value: c?.oneHopWhilePublishingPerSecond ?? null,
            color: COLORS.ceiling,
          },
          {
            label: 'one-hop + log write (publishing)',
            value: c?.oneHopLoggedPerSecond ?? null,
            color: COLORS.ceiling,
          },
          { label: 'Herald end to end', value: tp?.deliveriesPerSecond ?? null, color: COLORS.herald },
        ],
        '/s',
      ),
    );
  }
  const series = [];
  const pcts = (l) => `p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} ms`;
  if (results.latency)
    series.push({
      label: `steady ${results.latency.rate}/s: ${pcts(results.latency.latencyMs)}`,
      color: COLORS.latency,
      points: results.latency.cdf,
    });
  if (results.isolation)
    series.push({
      label: `with ${results.isolation.hangingIntegrations} hanging integrations: ${pcts(results.isolation.latencyMs)}`,
      color: COLORS.isolation,
      points: results.isolation.cdf,
    });
  if (series.length) {
    panels.push((y) =>
      lines(y, 'Publish → delivered latency (CDF)', series, {
        xLabel: 'ms (log scale)',
        logX: true,
        yMax: 1,
        yTicks: [0, 0.25, 0.5, 0.75, 0.9, 1],
        legendBottomRight: true,
        yLabel: { format: (v) => `${Math.round(v * 100)} %` },
      }),
    );
    const perSecond = [];
    if (results.latency)
      perSecond.push({
        label: 'steady p99',
        color: COLORS.latency,
        points: results.latency.timeline.filter((r) => r.second >= 0).map((r) => [r.second, r.p99]),
      });
    if (results.isolation)
      perSecond.push({
        label: 'isolation p99',
        color: COLORS.isolation,
        points: results.isolation.timeline.filter((r) => r.second >= 0).map((r) => [r.second, r.p99]),
      });
    panels.push((y) =>
      lines(y, 'p99 latency per second of the steady run', perSecond, {
        xLabel: 'second',
        yLabel: { format: (v) => `${Math.round(v)} ms` },
      }),
    );
  }
  // The runner's RSS, sampled every second, in the "Isolation" issue's scenarios.
  const rss = [
    ['broken-many', results['broken-many']?.withBroken?.rss, COLORS.isolation],
    ['broken-many alone', results['broken-many']?.alone?.rss, COLORS.latency],
    ['backlog', results.backlog?.rss, COLORS.ceiling],
    ['hostile', results.hostile?.withBroken?.rss, COLORS.herald],
  ].filter(([, r]) => r?.samples?.length);
  if (rss.length)
    panels.push((y) =>
      lines(
        y,
        'Runner RSS per second (isolation scenarios; the issue allows 300 MB)',
        rss.map(([label, r, color]) => ({
          label: `${label}: peak ${r.peakMb} MB`,
          color,
          points: r.samples,
        })),
        { xLabel: 'second', yLabel: { format: (v) => `${Math.round(v)} MB` } },
      ),
    );
  const heights = panels.map(() => PANEL_H);
  if (targetList.length) {
    panels.push((y) => targets(y, targetList));
    heights.push(targetsHeight(targetList));
  }
  const height = 50 + heights.reduce((a, b) => a + b, 0);
  let y = 50;
  const body = panels
    .map((p, i) => {
      const out = p(y);
      y += heights[i];
      return out;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif" font-size="12">
<style>.title{font-size:14px;font-weight:600}.small{font-size:11px;fill:#495057}</style>
<rect width="100%" height="100%" fill="#fff"/>
${text(20, 30, title, 'font-size="16" font-weight="700"')}
${body}
</svg>
`;
}
