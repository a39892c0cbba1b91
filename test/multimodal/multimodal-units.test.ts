/** Hand-computed checks of the multimodal pieces: media bytes, content weaving, the simulator's token counts, config rules. */
import { describe, expect, it } from "vitest";
import { inflateSync } from "node:zlib";
import { silentWav, solidPng } from "../../src/scenarios/data/multimodal-media.ts";
import { libjpegYcc, solidJpeg } from "../../src/scenarios/data/multimodal-jpeg.ts";
import { assembleContent, joinPrefixContent } from "../../src/scenarios/data/multimodal-content.ts";
import { qwen2AudioPads, qwen2VlImagePads } from "../../src/sim/multimodal-tokens.ts";
import { imageSize, wavSamples } from "../../src/media/media-headers.ts";
import { parseGenerationRequest } from "../../src/sim/openai-request.ts";
import { parseScenarioConfig } from "../../src/scenarios/config/read-scenario-config.ts";
import { UsageError } from "../../src/errors.ts";
import { firstUserPrompt, visionArenaRow } from "../../src/scenarios/data/visionarena-source.ts";

const img = { type: "image_url", image_url: { url: "data:image/png;base64,AA==" } };

describe("media bytes", () => {
  it("PNG: signature, IHDR 7×3 RGB 8-bit, rows of filter 0 + the colour", () => {
    const png = solidPng(7, 3, [1, 2, 3]);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(png.readUInt32BE(16)).toBe(7);
    expect(png.readUInt32BE(20)).toBe(3);
    expect([...png.subarray(24, 29)]).toEqual([8, 2, 0, 0, 0]);
    const idatLen = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(3 * (1 + 3 * 7));
    expect([...raw.subarray(0, 4)]).toEqual([0, 1, 2, 3]);
  });

  it("WAV: 44-byte header + 2 bytes per sample; 0.5 s = 8,000 samples, 0.00001 s rounds to 1", () => {
    expect(silentWav(0.5).length).toBe(44 + 16_000);
    expect(wavSamples(silentWav(0.5))).toBe(8000);
    expect(wavSamples(silentWav(0.00001))).toBe(1);
  });

  it("JPEG: libjpeg's YCbCr of pure red is (76, 85, 255); 16×16 white is Pillow's 631 bytes, header sizes patched", () => {
    expect(libjpegYcc([255, 0, 0])).toEqual([76, 85, 255]);
    const j = solidJpeg(7, 3, [255, 255, 255]);
    expect(j.length).toBe(631); // Pillow: Image.new("RGB", (7, 3), (255, 255, 255)).save(b, "JPEG", quality=75)
    expect(imageSize(j)).toEqual({ width: 7, height: 3 });
    expect(imageSize(solidJpeg(1920, 1080, [17, 200, 93]))).toEqual({ width: 1920, height: 1080 });
    expect(solidJpeg(1920, 1080, [17, 200, 93]).length).toBe(33_268); // Pillow's size for the same image
  });
});

describe("content weaving (0.7.0 assemble_content)", () => {
  it("places items at ⌊p·len⌋, stable for equal points, no empty text parts", () => {
    const a = { type: "a" };
    const b = { type: "b" };
    expect(assembleContent("abcdefghij", [[b, 1.0], [a, 0.25]])).toEqual([{ type: "text", text: "ab" }, a, { type: "text", text: "cdefghij" }, b]);
    expect(assembleContent("abcd", [[a, 0], [b, 0]])).toEqual([a, b, { type: "text", text: "abcd" }]);
    expect(assembleContent("", [[a, 0.5]])).toEqual([a]);
    expect(assembleContent("xy", [])).toEqual([{ type: "text", text: "xy" }]);
    // Python counts code points: "😀" is one character, so ⌊0.5·2⌋ = 1 splits after it
    expect(assembleContent("😀z", [[a, 0.5]])).toEqual([{ type: "text", text: "😀" }, a, { type: "text", text: "z" }]);
  });

  it("joins a prefix and a payload with one space, or a space part between media", () => {
    expect(joinPrefixContent([{ type: "text", text: "p" }], [{ type: "text", text: "q" }, img])).toEqual([{ type: "text", text: "p q" }, img]);
    expect(joinPrefixContent([img], [{ type: "text", text: "q" }])).toEqual([img, { type: "text", text: " " }, { type: "text", text: "q" }]);
  });
});

describe("simulator: media tokens as vLLM counts them for Qwen2-VL / Qwen2-Audio", () => {
  it("smart_resize by hand", () => {
    // 1080/28 = 38.57 → 39, 1920/28 = 68.57 → 69: 39·69 = 2,691
    expect(qwen2VlImagePads(1920, 1080)).toBe(2691);
    expect(qwen2VlImagePads(512, 512)).toBe(18 * 18);
    // 10×10 is under min_pixels 3,136: β = √(3136/100) = 5.6 → ⌈56/28⌉ = 2 per side
    expect(qwen2VlImagePads(10, 10)).toBe(4);
    // 8000×8000: 286² patches of 28² = 64,128,064 px > 12,845,056: β = √(64e6/12845056) = 2.232…, ⌊8000/β/28⌋ = 128
    expect(qwen2VlImagePads(8000, 8000)).toBe(128 * 128);
    // 1 s of 16 kHz: 100 mel frames → (99//2 + 1 = 50; (50 − 2)//2 + 1 = 25)
    expect(qwen2AudioPads(16_000)).toBe(25);
    expect(qwen2AudioPads(16_000 * 60)).toBe(750); // capped at 30 s
  });

  it("usage.prompt_tokens of a chat request with a 1920×1080 PNG and 1 s of audio: text + 2,693 + 27", () => {
    const served = { modelName: "m", maxModelLen: 32_768 };
    const text = parseGenerationRequest({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }, "chat", served);
    const png = solidPng(1920, 1080, [5, 6, 7]).toString("base64");
    const wav = silentWav(1).toString("base64");
    const withMedia = parseGenerationRequest(
      { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }, { type: "text", text: "hi" }, { type: "input_audio", input_audio: { data: wav, format: "wav" } }] }] },
      "chat",
      served,
    );
    if (!("promptTokens" in text) || !("promptTokens" in withMedia)) throw new Error("request refused");
    expect(withMedia.promptTokens - text.promptTokens).toBe(2691 + 2 + 25 + 2);
  });

  it("refuses a video_url and a non-data URL with a message naming the part", () => {
    const served = { modelName: "m", maxModelLen: 32_768 };
    const r = parseGenerationRequest({ model: "m", messages: [{ role: "user", content: [{ type: "video_url", video_url: { url: "data:video/mp4;base64,AA==" } }] }] }, "chat", served);
    expect(JSON.stringify(r)).toMatch(/messages\[0\]\.content\[0\]: the simulator does not decode video_url/);
    const u = parseGenerationRequest({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x/y.png" } }] }] }, "chat", served);
    expect(JSON.stringify(u)).toMatch(/reads only base64 data: URLs/);
  });
});

describe("config rules", () => {
  const base = { server: { base_url: "http://x" }, load: { stages: [{ rate: 1, duration: 1 }] } };
  const message = (doc: unknown) => {
    try {
      parseScenarioConfig(doc, [], "t.yml", { now: new Date(0), cpuCount: 1 });
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as UsageError).message;
    }
    return "";
  };
  const d = { min: 5, max: 5, mean: 5 };
  it("names the field and the fix", () => {
    expect(message({ ...base, data: { type: "mock", multimodal: { image: { count: d } } } })).toMatch(/data\.multimodal: is read only by data\.type synthetic and shared_prefix/);
    expect(message({ ...base, api: { type: "completion" }, data: { type: "synthetic", input_distribution: d, output_distribution: d, multimodal: { image: { count: d } } } })).toMatch(/api\.type: must be chat for multimodal requests/);
    expect(message({ ...base, api: { type: "chat" }, data: { type: "synthetic", input_distribution: d, output_distribution: d, multimodal: { video: { count: d } } } })).toMatch(/video\.representation: mp4 needs an H\.264 encoder/);
    expect(message({ ...base, api: { type: "chat" }, data: { type: "synthetic", input_distribution: d, output_distribution: d, multimodal: { image: { count: d, resolutions: "8k" } } } })).toMatch(/resolutions/);
    expect(message({ ...base, api: { type: "chat" }, data: { type: "synthetic", input_distribution: d, output_distribution: d, multimodal: { image: { count: d } } } })).toBe("");
  });
});

describe("visionarena rows (0.7.0 _row_to_entry)", () => {
  const png = new Uint8Array(solidPng(4, 2, [1, 2, 3]));
  const gif = new Uint8Array(Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"));
  it("the first non-blank user turn, nested or flat", () => {
    expect(firstUserPrompt([[{ role: "assistant", content: "a" }], [{ role: "user", content: " " }], [{ role: "user", content: "q" }]])).toBe("q");
    expect(firstUserPrompt([{ role: "user", content: "flat" }])).toBe("flat");
    expect(firstUserPrompt([{ role: "user", content: ["not", "text"] }])).toBeNull();
    expect(firstUserPrompt("x")).toBeNull();
  });
  it("images cut to max_images_per_request before the format check; other formats skipped, not re-encoded", () => {
    const row = (images: unknown[]) => ({ conversation: [[{ role: "user", content: "q" }]], images });
    expect(visionArenaRow(row([{ bytes: gif }, { bytes: png }]), 1)).toBeNull();
    expect(visionArenaRow(row([{ bytes: gif }, { bytes: png }]), 2)).toMatchObject({ prompt: "q", images: [{ mime: "image/png", width: 4, height: 2 }] });
    expect(visionArenaRow(row([]), 1)).toBeNull();
    expect(visionArenaRow({ conversation: [], images: [{ bytes: png }] }, 1)).toBeNull();
  });
});
