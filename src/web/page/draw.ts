/** The page's own drawings: the live loss curve and each cluster's typical records. */
import { categoryColor, viridis } from '../../report/figure-style.js';

/** One point of the loss curve: a stage's step and its loss. */
export interface LossPoint {
  readonly stage: string;
  readonly loss: number;
}

/** Draws the losses in order on a log scale, one colour per stage, with the stages named. */
export function drawLoss(canvas: HTMLCanvasElement, points: readonly LossPoint[]): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  const finite = points.filter((p) => Number.isFinite(p.loss) && p.loss > 0);
  if (finite.length === 0) return;
  const logs = finite.map((p) => Math.log10(p.loss));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const span = hi - lo || 1;
  const pad = { left: 48, right: 8, top: 18, bottom: 18 };
  const x = (i: number): number => pad.left + ((width - pad.left - pad.right) * i) / Math.max(1, finite.length - 1);
  const y = (v: number): number => pad.top + ((height - pad.top - pad.bottom) * (hi - v)) / span;
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#57606a';
  g.fillText(`1e${hi.toFixed(1)}`, 4, pad.top + 4);
  g.fillText(`1e${lo.toFixed(1)}`, 4, height - pad.bottom);
  const stages = [...new Set(finite.map((p) => p.stage))];
  stages.forEach((stage, s) => {
    g.strokeStyle = categoryColor(s);
    g.lineWidth = 1.5;
    g.beginPath();
    let started = false;
    finite.forEach((p, i) => {
      if (p.stage !== stage) return;
      if (started) g.lineTo(x(i), y(logs[i]!));
      else g.moveTo(x(i), y(logs[i]!));
      started = true;
    });
    g.stroke();
    g.fillStyle = categoryColor(s);
    g.fillText(stage, pad.left + 4 + s * 180, 12);
  });
}

/** A record as a small picture: a spectrogram (rows × columns) as a heat map, a P window as a trace. */
export function drawRecord(values: Float32Array, shape: readonly number[], color: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d')!;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  if (shape.length >= 2) {
    const rows = shape.at(-2)!;
    const cols = shape.at(-1)!;
    canvas.width = cols;
    canvas.height = rows;
    // Low frequencies at the bottom, as seismologists draw spectrograms.
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        g.fillStyle = viridis((values[r * cols + c]! - lo) / span);
        g.fillRect(c, rows - 1 - r, 1, 1);
      }
    return canvas;
  }
  canvas.width = 192;
  canvas.height = 128;
  g.strokeStyle = color;
  g.lineWidth = 2;
  g.beginPath();
  values.forEach((v, i) => {
    const px = (i / Math.max(1, values.length - 1)) * canvas.width;
    const py = canvas.height - 4 - ((v - lo) / span) * (canvas.height - 8);
    if (i === 0) g.moveTo(px, py);
    else g.lineTo(px, py);
  });
  g.stroke();
  return canvas;
}

/** A t-SNE map: each point in its group's colour (grey for none), with a legend. */
export function drawMap(canvas: HTMLCanvasElement, points: Float64Array, groups: Int32Array, names: readonly string[]): void {
  const g = canvas.getContext('2d');
  if (g === null) return;
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < groups.length; i++) {
    x0 = Math.min(x0, points[2 * i]!);
    x1 = Math.max(x1, points[2 * i]!);
    y0 = Math.min(y0, points[2 * i + 1]!);
    y1 = Math.max(y1, points[2 * i + 1]!);
  }
  const pad = 8;
  const legend = 20;
  const sx = (width - 2 * pad) / (x1 - x0 || 1);
  const sy = (height - 2 * pad - legend) / (y1 - y0 || 1);
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    g.fillStyle = group < 0 ? '#999999' : categoryColor(group);
    g.beginPath();
    g.arc(pad + (points[2 * i]! - x0) * sx, legend + pad + (points[2 * i + 1]! - y0) * sy, 2.5, 0, 2 * Math.PI);
    g.fill();
  }
  g.font = '12px system-ui, sans-serif';
  names.forEach((name, j) => {
    g.fillStyle = categoryColor(j);
    g.fillRect(pad + j * 130, 4, 10, 10);
    g.fillStyle = '#1b1f24';
    g.fillText(name, pad + j * 130 + 14, 13);
  });
}
