/**
 * The report layer for any host: figures drawn as PNG and SVG, the
 * self-contained HTML report, t-SNE and PCA for its maps. `renderReport`
 * makes the report's files as bytes; `writeReport` writes them through the
 * installed host (`host().files`).
 */
export { PALETTE, formatTick, niceTicks, viridis, type Ticks } from './figure-style.js';
export * from './figures.js';
export * from './html.js';
export { pca } from './pca.js';
export { Canvas, FONT_ASCENT, encodePng, parseColor, textWidth, type Rgba, type TextAnchor, type TextOptions } from './png.js';
export { calibrateRow } from './tsne-affinities.js';
export { EXACT_MAX, EXACT_MAX_AUTO, tsne, type TsneMethod, type TsneOptions } from './tsne.js';
