// Small canvas charts: a time-series line chart with axes and a sparkline. Drawn at the
// device pixel ratio and redrawn when their box changes size.

export const palette = ['#4f46e5', '#059669', '#d97706', '#dc2626', '#0891b2', '#7c3aed', '#db2777', '#65a30d'];

const AXIS_FONT = '11px Inter, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif';

/** Sizes the canvas backing store to its CSS box; returns the 2D context or null when hidden. */
function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  if (width === 0 || height === 0) return null;
  const w = Math.round(width * ratio);
  const hgt = Math.round(height * ratio);
  if (canvas.width !== w || canvas.height !== hgt) {
    canvas.width = w;
    canvas.height = hgt;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** Round tick step for a range: 1, 2 or 5 times a power of ten. */
function niceStep(range, count) {
  const raw = range / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString('en-GB');
}

export class LineChart {
  /**
   * @param canvas a <canvas class="chart">
   * @param opts {yFormat(v) -> string, spanMs: the longest window shown, minSpanMs: the
   *   shortest, area: fill under the first series, integer: whole-number ticks}
   */
  constructor(canvas, opts = {}) {
    this.canvas = canvas;
    this.opts = { yFormat: (v) => String(v), spanMs: 5 * 60_000, minSpanMs: 60_000, area: true, ...opts };
    this.series = [];  // [{name, color, points: [[tMs, value], ...]}]
    this.observer = new ResizeObserver(() => this.draw());
    this.observer.observe(canvas);
  }

  /** The time window shown: from the oldest point (at least minSpanMs) up to spanMs. */
  visibleSpan(now) {
    let oldest = now;
    for (const s of this.series) if (s.points.length) oldest = Math.min(oldest, s.points[0][0]);
    const min = this.opts.minSpanMs ?? 60_000;
    return Math.min(this.opts.spanMs, Math.max(min, now - oldest + 2000));
  }

  setSeries(series) {
    this.series = series;
    this.draw();
  }

  dispose() {
    this.observer.disconnect();
  }

  draw() {
    const frame = prepare(this.canvas);
    if (!frame) return;
    const { ctx, width, height } = frame;
    const pad = { left: 56, right: 12, top: 10, bottom: 24 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const now = Date.now();
    const span = this.visibleSpan(now);
    const x0 = now - span;
    let yMax = 0;
    for (const s of this.series) for (const [t, v] of s.points) if (t >= x0 && v > yMax) yMax = v;
    const raw = niceStep(yMax > 0 ? yMax : 1, 4);
    const step = this.opts.integer ? Math.max(1, raw) : raw;
    const top = Math.max(step, Math.ceil((yMax * 1.1) / step) * step);
    const x = (t) => pad.left + ((t - x0) / span) * plotW;
    const y = (v) => pad.top + plotH - (v / top) * plotH;

    ctx.font = AXIS_FONT;
    ctx.fillStyle = '#6b7280';
    ctx.strokeStyle = '#eef0f4';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = 0; v <= top + step / 2; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(width - pad.right, yy);
      ctx.stroke();
      ctx.fillText(this.opts.yFormat(v), pad.left - 8, yy);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const ticks = Math.max(1, Math.min(4, Math.floor(plotW / 110)));
    for (let i = 0; i <= ticks; i += 1) {
      const t = x0 + (span * i) / ticks;
      ctx.textAlign = i === 0 ? 'left' : i === ticks ? 'right' : 'center';
      ctx.fillText(clock(t), x(t), height - pad.bottom + 7);
    }

    this.series.forEach((s, index) => {
      const pts = s.points.filter(([t]) => t >= x0 - 10_000);
      if (pts.length === 0) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(pad.left, pad.top, plotW, plotH + 1);
      ctx.clip();
      ctx.beginPath();
      pts.forEach(([t, v], i) => (i === 0 ? ctx.moveTo(x(t), y(v)) : ctx.lineTo(x(t), y(v))));
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.stroke();
      if (pts.length < 3) {
        // Too few points for a visible line: mark them.
        ctx.fillStyle = s.color;
        for (const [t, v] of pts) {
          ctx.beginPath();
          ctx.arc(x(t), y(v), 3, 0, Math.PI * 2);
          ctx.fill();
        }
      }
      if (this.opts.area && index === 0 && pts.length > 1) {
        ctx.lineTo(x(pts[pts.length - 1][0]), y(0));
        ctx.lineTo(x(pts[0][0]), y(0));
        ctx.closePath();
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = s.color;
        ctx.fill();
      }
      ctx.restore();
    });
  }
}

/** A sparkline of `values` (oldest first), scaled to [min, max] of the values or `range`. */
export function sparkline(canvas, values, color = palette[0], range = null) {
  const frame = prepare(canvas);
  if (!frame || values.length === 0) return;
  if (values.length === 1) values = [values[0], values[0]];  // a flat line, not a dot
  const { ctx, width, height } = frame;
  const lo = range ? range[0] : Math.min(...values);
  const hi = range ? range[1] : Math.max(...values);
  const span = hi - lo || 1;
  const x = (i) => (values.length === 1 ? width / 2 : 2 + (i / (values.length - 1)) * (width - 4));
  const y = (v) => height - 3 - ((v - lo) / span) * (height - 6);
  ctx.beginPath();
  values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  ctx.stroke();
  ctx.lineTo(x(values.length - 1), height);
  ctx.lineTo(x(0), height);
  ctx.closePath();
  ctx.globalAlpha = 0.1;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  const last = values[values.length - 1];
  ctx.beginPath();
  ctx.arc(x(values.length - 1), y(last), 3, 0, Math.PI * 2);
  ctx.fillStyle = color;
  ctx.fill();
}

/** A legend row for `series` [{name, color}]. */
export function legend(series) {
  const el = document.createElement('div');
  el.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = s.color;
    item.append(swatch, s.name);
    el.append(item);
  }
  return el;
}
