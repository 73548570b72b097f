import type { FastifyInstance } from "fastify";

/**
 * The hub's icon, drawn in code: a 32×32 icon (the ICO container holding one 32-bit bitmap) of a
 * dark blue rounded square with a white key-shaped mark, Grantline's "access" sign. Without it a
 * browser's `/favicon.ico` request would reach the Graph routes and answer a Graph error.
 */
export function faviconIco(): Buffer {
  const size = 32;
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  const pixels = Buffer.alloc(size * size * 4);
  const andMask = Buffer.alloc(size * 4); // 32 px rows of 1 bit, padded to 4 bytes: all opaque
  const inside = (x: number, y: number) => {
    const r = 7; // corner radius
    const cx = Math.min(Math.max(x, r), size - 1 - r);
    const cy = Math.min(Math.max(y, r), size - 1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  const mark = (x: number, y: number) => {
    const ring = (x - 12) ** 2 + (y - 16) ** 2;
    if (ring <= 36 && ring >= 9) return true; // the key's bow
    if (y >= 15 && y <= 17 && x >= 17 && x <= 26) return true; // its shaft
    return x >= 21 && x <= 26 && y >= 17 && y <= 21 && (x <= 22 || x >= 25); // its bit
  };
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      // Bitmap rows run bottom-up; pixels are BGRA.
      const at = ((size - 1 - y) * size + x) * 4;
      if (!inside(x, y)) continue; // transparent
      const [b, g, r] = mark(x, y) ? [255, 255, 255] : [0x9c, 0x4a, 0x1c];
      pixels.writeUInt8(b, at);
      pixels.writeUInt8(g, at + 1);
      pixels.writeUInt8(r, at + 2);
      pixels.writeUInt8(255, at + 3);
    }
  }
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(size, 4);
  info.writeInt32LE(size * 2, 8); // the height counts the bitmap and its mask
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(pixels.length + andMask.length, 20);
  const image = Buffer.concat([info, pixels, andMask]);
  header.writeUInt8(size, 6);
  header.writeUInt8(size, 7);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(image.length, 14);
  header.writeUInt32LE(22, 18); // where the image starts
  return Buffer.concat([header, image]);
}

/** `GET /favicon.ico`: the icon, cached for a day. */
export function registerFavicon(app: FastifyInstance): void {
  const icon = faviconIco();
  app.get("/favicon.ico", async (_request, reply) => reply.header("cache-control", "public, max-age=86400").type("image/x-icon").send(icon));
}
