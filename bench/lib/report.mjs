// The results as a Markdown table (absolute figures and same-run ratios) and as an SVG chart
// drawn here, with no chart library.

const fmt = (v, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '–');

/**
 * rows: [{ label, unit, better: 'higher'|'lower', values: { relayKey: number|string } }]
 * A string value (e.g. "aborted") is shown as is.
 */
export function markdownTable(rows, relays, labels) {
  // With tcpchat-data in the run, its ratio to tcpchat without --data gets a column of its own.
  const withData = relays.includes('tcpchat-data');
  const head = ['scenario', ...relays.map((r) => labels[r]), 'tcpchat / ncat --chat', 'tcpchat / node chunk'];
  if (withData) head.push('tcpchat --data / tcpchat');
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const cell = (r) => {
      const v = row.values[r];
      if (typeof v === 'string') return v;
      return fmt(v, row.digits ?? 2);
    };
    const t = row.values.tcpchat;
    lines.push(
      `| ${row.label}${row.unit ? ` (${row.unit}${row.better === 'lower' ? ', lower is better' : ''})` : ''} | ${relays.map(cell).join(' | ')} | ${ratio(t, row.values['ncat-chat'])} | ${ratio(t, row.values['node-chunk'])} |${withData ? ` ${ratio(row.values['tcpchat-data'], t)} |` : ''}`,
    );
  }
  return lines.join('\n');
}

const COLOURS = {
  tcpchat: '#d62728',
  'tcpchat-data': '#8c564b',
  'node-chunk': '#1f77b4',
  'node-line': '#9467bd',
  'ncat-broker': '#2ca02c',
  'ncat-chat': '#ff7f0e',
};
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * One panel: groups (e.g. receiver counts) of bars (one per relay), linear axis from 0.
 * panel: { title, unit, groups: [{ label, values: { relayKey: number|undefined } }] }
 * A panel whose bars are not the relays (the cluster's: single node, cluster, per node) names
 * them in `series: [{ key, label, colour }]` and gets its own legend under its title.
 */
function panel(p, relays, labels, x0, y0, width, height) {
  const series = p.series ?? relays.map((r) => ({ key: r, label: labels[r], colour: COLOURS[r] ?? '#777' }));
  const out = [];
  const left = 64;
  const top = p.series ? 44 : 28;
  const bottom = 34;
  const plotW = width - left - 12;
  const plotH = height - top - bottom;
  const all = p.groups.flatMap((g) => series.map((r) => g.values[r.key])).filter((v) => Number.isFinite(v));
  const max = niceMax(Math.max(0, ...all));
  out.push(`<g transform="translate(${x0},${y0})">`);
  out.push(`<text x="${left}" y="18" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
  if (p.series) {
    series.forEach((r, i) => {
      const x = left + i * 190;
      out.push(`<rect x="${x}" y="26" width="10" height="10" fill="${r.colour}"/>`);
      out.push(`<text x="${x + 14}" y="35" font-size="11">${esc(r.label)}</text>`);
    });
  }
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = top + plotH - (plotH * i) / 4;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${esc(+v.toPrecision(3))}</text>`);
  }
  out.push(
    `<text x="14" y="${top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(p.unit)}</text>`,
  );
  const groupW = plotW / p.groups.length;
  const barW = Math.min(28, (groupW * 0.8) / series.length);
  p.groups.forEach((g, gi) => {
    const gx = left + gi * groupW + (groupW - barW * series.length) / 2;
    series.forEach((r, ri) => {
      const v = g.values[r.key];
      const x = gx + ri * barW;
      if (!Number.isFinite(v)) {
        out.push(`<text x="${x + barW / 2}" y="${top + plotH - 4}" font-size="9" text-anchor="middle" fill="#999">×</text>`);
        return;
      }
      const h = (plotH * v) / max;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${r.colour}"><title>${esc(`${r.label}: ${+v.toPrecision(4)} ${p.unit}`)}</title></rect>`,
      );
      const shown = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
      out.push(
        `<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(top + plotH - h - 3).toFixed(1)}" font-size="8" text-anchor="middle" fill="#333">${shown}</text>`,
      );
    });
    out.push(
      `<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 16}" font-size="11" text-anchor="middle">${esc(g.label)}</text>`,
    );
  });
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  out.push('</g>');
  return out.join('\n');
}

export function svgChart({ title, subtitle, panels, relays, labels }) {
  const width = 860;
  const panelH = 240;
  const legendH = 30;
  const headH = 50;
  const height = headH + legendH + panels.length * panelH + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="16" y="24" font-size="17" font-weight="bold">${esc(title)}</text>`,
    `<text x="16" y="42" font-size="11" fill="#555">${esc(subtitle)}</text>`,
  ];
  // the relays' legend, unless every panel has its own
  (panels.every((p) => p.series) ? [] : relays).forEach((r, i) => {
    const x = 16 + i * 165;
    out.push(`<rect x="${x}" y="${headH + 6}" width="12" height="12" fill="${COLOURS[r] ?? '#777'}"/>`);
    out.push(`<text x="${x + 17}" y="${headH + 16}" font-size="12">${esc(labels[r])}</text>`);
  });
  panels.forEach((p, i) => out.push(panel(p, relays, labels, 0, headH + legendH + i * panelH, width, panelH)));
  out.push('</svg>');
  return out.join('\n');
}
