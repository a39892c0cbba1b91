/**
 * What the headers of encoded media say, without decoding them: an image's width and height (PNG IHDR, JPEG SOFn,
 * WEBP VP8 / VP8L / VP8X) and a PCM WAV's sample count. Shared by the request generators (visionarena's images)
 * and the simulator (its token counts). Pure.
 */
/** Width and height of a PNG, JPEG or WEBP, or null. */
export function imageSize(b: Buffer): { width: number; height: number } | null {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length && b[i] === 0xff) {
      const marker = b[i + 1]!;
      const len = b.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      i += 2 + len;
    }
    return null;
  }
  if (b.length >= 30 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") {
    const kind = b.toString("latin1", 12, 16);
    if (kind === "VP8X") return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
    if (kind === "VP8 ") return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (kind === "VP8L") {
      const bits = b.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
  }
  return null;
}

/** Samples of a PCM WAV (its data chunk over block align), or null. */
export function wavSamples(b: Buffer): number | null {
  if (b.length < 12 || b.toString("latin1", 0, 4) !== "RIFF" || b.toString("latin1", 8, 12) !== "WAVE") return null;
  let i = 12;
  let blockAlign = 0;
  while (i + 8 <= b.length) {
    const id = b.toString("latin1", i, i + 4);
    const len = b.readUInt32LE(i + 4);
    if (id === "fmt " && i + 22 <= b.length) blockAlign = b.readUInt16LE(i + 20);
    if (id === "data") return blockAlign > 0 ? Math.floor(len / blockAlign) : null;
    i += 8 + len + (len & 1);
  }
  return null;
}

