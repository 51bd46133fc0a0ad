#!/usr/bin/env node
// Draws Vigil's icons as PNG files, with no image library and nothing downloaded:
//   resources/icon.png                      512×512 app icon (electron-builder derives .icns/.ico)
//   resources/tray/tray[@2x].png            tray icon, no pending approvals (Linux, Windows)
//   resources/tray/tray-N[@2x].png          with a red count badge, N = 1..9, and tray-9plus
//   resources/tray/trayTemplate[@2x].png    macOS menu-bar template (black + alpha; the count is the title)
// Run: ./node_modules/.bin/node resources/generate-icons.mjs   (the PNGs are committed; rerun after a change)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

function png(width, height, rgba) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A canvas of straight-alpha RGBA pixels; shapes are coverage functions, supersampled 4×4. */
class Canvas {
  constructor(size) {
    this.size = size;
    this.pixels = Buffer.alloc(size * size * 4);
  }

  fill(inside, [r, g, b, a = 255]) {
    const n = 4;
    for (let y = 0; y < this.size; y++) {
      for (let x = 0; x < this.size; x++) {
        let hits = 0;
        for (let sy = 0; sy < n; sy++) {
          for (let sx = 0; sx < n; sx++) if (inside(x + (sx + 0.5) / n, y + (sy + 0.5) / n)) hits++;
        }
        if (hits === 0) continue;
        const alpha = (hits / (n * n)) * (a / 255);
        const i = (y * this.size + x) * 4;
        const below = this.pixels[i + 3] / 255;
        const out = alpha + below * (1 - alpha);
        const mix = (top, bottom) => Math.round((top * alpha + bottom * below * (1 - alpha)) / out);
        this.pixels[i] = mix(r, this.pixels[i]);
        this.pixels[i + 1] = mix(g, this.pixels[i + 1]);
        this.pixels[i + 2] = mix(b, this.pixels[i + 2]);
        this.pixels[i + 3] = Math.round(out * 255);
      }
    }
  }

  png() {
    return png(this.size, this.size, this.pixels);
  }
}

const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r, width) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r && d >= r - width;
};
const roundedSquare = (x0, y0, side, radius) => (x, y) => {
  const dx = Math.max(x0 + radius - x, 0, x - (x0 + side - radius));
  const dy = Math.max(y0 + radius - y, 0, y - (y0 + side - radius));
  return x >= x0 && x <= x0 + side && y >= y0 && y <= y0 + side && dx * dx + dy * dy <= radius * radius;
};
const pill = (x0, y0, width, height) => {
  const r = height / 2;
  return (x, y) => {
    const cx = Math.min(Math.max(x, x0 + r), x0 + width - r);
    return (x - cx) ** 2 + (y - (y0 + r)) ** 2 <= r * r;
  };
};

// 3×5 glyphs for the badge: readable at 16 px, where each cell is one pixel.
const GLYPHS = {
  0: ['111', '101', '101', '101', '111'],
  1: ['010', '110', '010', '010', '111'],
  2: ['111', '001', '111', '100', '111'],
  3: ['111', '001', '111', '001', '111'],
  4: ['101', '101', '111', '001', '001'],
  5: ['111', '100', '111', '001', '111'],
  6: ['111', '100', '111', '101', '111'],
  7: ['111', '001', '010', '010', '010'],
  8: ['111', '101', '111', '101', '111'],
  9: ['111', '101', '111', '001', '111'],
  '+': ['000', '010', '111', '010', '000'],
};

function text(x0, y0, cell, value) {
  return (x, y) => {
    const col = Math.floor((x - x0) / cell);
    const row = Math.floor((y - y0) / cell);
    if (row < 0 || row > 4 || col < 0) return false;
    const glyph = GLYPHS[value[Math.floor(col / 4)]];
    const within = col % 4;
    return glyph !== undefined && within < 3 && glyph[row][within] === '1';
  };
}

const TEAL = [46, 196, 182];
const NAVY = [27, 42, 65];
const RED = [220, 38, 38];
const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];

/** The mark: a watchful eye, a ring around a pupil. */
function mark(canvas, color, cx, cy, r) {
  canvas.fill(ring(cx, cy, r, r * 0.28), color);
  canvas.fill(circle(cx, cy, r * 0.38), color);
}

function trayIcon(size, badge) {
  const canvas = new Canvas(size);
  const unit = size / 16;
  mark(canvas, TEAL, size / 2, size / 2, 7.5 * unit);
  if (badge) {
    const height = 9 * unit;
    const textWidth = (badge.length * 4 - 1) * unit;
    const width = Math.max(height, textWidth + 4 * unit);
    const x0 = size - width;
    const y0 = size - height;
    canvas.fill(pill(x0, y0, width, height), RED);
    const tx = Math.round(x0 + (width - textWidth) / 2);
    const ty = Math.round(y0 + (height - 5 * unit) / 2);
    canvas.fill(text(tx, ty, unit, badge), WHITE);
  }
  return canvas.png();
}

function templateIcon(size) {
  const canvas = new Canvas(size);
  mark(canvas, BLACK, size / 2, size / 2, (7 * size) / 16);
  return canvas.png();
}

function appIcon(size) {
  const canvas = new Canvas(size);
  canvas.fill(roundedSquare(size * 0.06, size * 0.06, size * 0.88, size * 0.2), NAVY);
  mark(canvas, TEAL, size / 2, size / 2, size * 0.3);
  return canvas.png();
}

function write(relative, data) {
  const file = join(here, relative);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
}

write('icon.png', appIcon(512));
for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
  write(`tray/tray${suffix}.png`, trayIcon(size, null));
  for (let n = 1; n <= 9; n++) write(`tray/tray-${n}${suffix}.png`, trayIcon(size, String(n)));
  write(`tray/tray-9plus${suffix}.png`, trayIcon(size, '9+'));
  write(`tray/trayTemplate${suffix}.png`, templateIcon(size === 16 ? 16 : 32));
}
console.log('icons written to', here);
