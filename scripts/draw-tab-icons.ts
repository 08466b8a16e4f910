/**
 * Draws the tab-bar icons (miniprogram/images/tab-*.png, 81 × 81 as WeChat recommends) from simple shapes, so
 * they can be redrawn in other colours without an image editor: `npx tsx scripts/draw-tab-icons.ts`.
 * Shapes are sampled 4 × 4 per pixel for smooth edges.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

const SIZE = 81;
const SAMPLES = 4;
type Shape = (x: number, y: number) => boolean; // coordinates in 0..1

const inTriangle =
  (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape =>
  (x, y) => {
    const s = (px: number, py: number, qx: number, qy: number) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
    const d1 = s(ax, ay, bx, by);
    const d2 = s(bx, by, cx, cy);
    const d3 = s(cx, cy, ax, ay);
    return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
  };
const inRect =
  (x0: number, y0: number, x1: number, y1: number): Shape =>
  (x, y) =>
    x >= x0 && x <= x1 && y >= y0 && y <= y1;
const inCircle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));
const minus =
  (a: Shape, b: Shape): Shape =>
  (x, y) =>
    a(x, y) && !b(x, y);

/** A house: roof, walls, a door cut out. */
const HOME = minus(union(inTriangle(0.5, 0.1, 0.06, 0.5, 0.94, 0.5), inRect(0.18, 0.48, 0.82, 0.9)), inRect(0.42, 0.64, 0.58, 0.9));
/** A person: head and shoulders. */
const ME = union(inCircle(0.5, 0.3, 0.19), minus(inCircle(0.5, 1.02, 0.42), inRect(0, 0.92, 1, 1.1)));

function draw(shape: Shape, rgb: [number, number, number], file: string): void {
  const png = new PNG({ width: SIZE, height: SIZE });
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      let hits = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) if (shape((px + (sx + 0.5) / SAMPLES) / SIZE, (py + (sy + 0.5) / SAMPLES) / SIZE)) hits++;
      }
      const i = (py * SIZE + px) * 4;
      png.data[i] = rgb[0];
      png.data[i + 1] = rgb[1];
      png.data[i + 2] = rgb[2];
      png.data[i + 3] = Math.round((255 * hits) / (SAMPLES * SAMPLES));
    }
  }
  writeFileSync(file, PNG.sync.write(png));
}

const out = path.resolve(__dirname, '../miniprogram/images');
const GREY: [number, number, number] = [0x55, 0x55, 0x55];
const BLUE: [number, number, number] = [0x0b, 0x57, 0xa4];
draw(HOME, GREY, path.join(out, 'tab-home.png'));
draw(HOME, BLUE, path.join(out, 'tab-home-on.png'));
draw(ME, GREY, path.join(out, 'tab-me.png'));
draw(ME, BLUE, path.join(out, 'tab-me-on.png'));
console.log(`tab icons written to ${out}`);
