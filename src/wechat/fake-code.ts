import crypto from 'node:crypto';
import zlib from 'node:zlib';

/**
 * The fake WeChat server's stand-in for a mini-program code: a real, viewable PNG (a 29 × 29 module pattern with
 * three corner marks, drawn from a hash of the scene) whose text chunk says `scene=<scene>`, so tests can read
 * which scene a code carries. WeChat's own codes are round "sun codes"; only WeChat can read those.
 */
export function fakeCodePng(scene: string): Buffer {
  const modules = 29;
  const scale = 8;
  const quiet = 2;
  const size = (modules + 2 * quiet) * scale;
  const bits = crypto.createHash('sha512').update(scene).digest();
  const corner = (x: number, y: number) => {
    const inMark = (cx: number, cy: number) => x >= cx && x < cx + 7 && y >= cy && y < cy + 7;
    for (const [cx, cy] of [
      [0, 0],
      [modules - 7, 0],
      [0, modules - 7],
    ] as const) {
      if (inMark(cx, cy)) {
        const dx = Math.min(x - cx, cx + 6 - x);
        const dy = Math.min(y - cy, cy + 6 - y);
        return Math.min(dx, dy) !== 1; // dark ring, light gap, dark centre
      }
    }
    return null;
  };
  const dark = (x: number, y: number): boolean => {
    const c = corner(x, y);
    if (c !== null) return c;
    const i = (y * modules + x) % (bits.length * 8);
    return ((bits[i >> 3]! >> (i & 7)) & 1) === 1;
  };
  const rows: Buffer[] = [];
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(size + 1, 0xff);
    row[0] = 0; // filter: none
    const my = Math.floor(py / scale) - quiet;
    for (let px = 0; px < size; px++) {
      const mx = Math.floor(px / scale) - quiet;
      if (mx >= 0 && my >= 0 && mx < modules && my < modules && dark(mx, my)) row[px + 1] = 0;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0scene=${scene}`, 'latin1')),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
