/**
 * What an uploaded file is, read from its first bytes: the image types Meta takes for ad images
 * ("Image file (bmp, jpeg, gif)" and PNG, https://developers.facebook.com/docs/marketing-api/reference/ad-image/),
 * and the width and height their headers give. Anything else is not an image here.
 */
export interface ImageFormat {
  contentType: "image/png" | "image/jpeg" | "image/gif" | "image/bmp";
  width: number;
  height: number;
}

/** File name extensions of each type (Meta requires one: "sample.jpg, not sample or sample.tmp"). */
export const IMAGE_EXTENSIONS: Record<ImageFormat["contentType"], readonly string[]> = {
  "image/png": ["png"],
  "image/jpeg": ["jpg", "jpeg"],
  "image/gif": ["gif"],
  "image/bmp": ["bmp"],
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffImage(data: Buffer): ImageFormat | undefined {
  const sized = (contentType: ImageFormat["contentType"], width: number, height: number) =>
    width > 0 && height > 0 ? { contentType, width, height } : undefined;
  if (data.length >= 24 && data.subarray(0, 8).equals(PNG_SIGNATURE) && data.toString("latin1", 12, 16) === "IHDR") {
    return sized("image/png", data.readUInt32BE(16), data.readUInt32BE(20));
  }
  if (data.length >= 10 && (data.toString("latin1", 0, 6) === "GIF87a" || data.toString("latin1", 0, 6) === "GIF89a")) {
    return sized("image/gif", data.readUInt16LE(6), data.readUInt16LE(8));
  }
  if (data.length >= 26 && data.toString("latin1", 0, 2) === "BM") {
    return sized("image/bmp", Math.abs(data.readInt32LE(18)), Math.abs(data.readInt32LE(22)));
  }
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8) return jpegSize(data);
  return undefined;
}

/** A JPEG's size, from its first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegSize(data: Buffer): ImageFormat | undefined {
  let at = 2;
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = data.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = data.readUInt16BE(at + 5);
      const width = data.readUInt16BE(at + 7);
      return width > 0 && height > 0 ? { contentType: "image/jpeg", width, height } : undefined;
    }
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}
