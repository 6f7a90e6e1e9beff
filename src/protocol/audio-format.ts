/**
 * The one audio format CIC takes (spec 3.5.1): linear PCM, 16 kHz, mono, 16-bit little-endian,
 * sent in 200 ms parts. Declared once here; audio/, client/, cli/ and the emulator import it.
 */

/** Samples per second. */
export const L16_SAMPLE_RATE = 16_000;
/** Channels. */
export const L16_CHANNELS = 1;
/** Bits per sample. */
export const L16_BITS_PER_SAMPLE = 16;
/** Bytes per sample frame (one channel of 16 bits). */
export const L16_FRAME_BYTES = (L16_CHANNELS * L16_BITS_PER_SAMPLE) / 8;
/** Bytes of audio per second: 32,000. */
export const L16_BYTES_PER_SECOND = L16_SAMPLE_RATE * L16_FRAME_BYTES;
/** Bytes of audio per millisecond: 32. */
export const L16_BYTES_PER_MS = L16_BYTES_PER_SECOND / 1000;
/** Duration of one audio part, in milliseconds. */
export const PART_MS = 200;
/** Bytes of one audio part sent to CIC: 6,400 (200 ms). */
export const PART_BYTES = PART_MS * L16_BYTES_PER_MS;
/** The format's name in SpeechRecognizer.Recognize (spec 5.1.1). */
export const L16_FORMAT = `AUDIO_L16_RATE_${L16_SAMPLE_RATE}_CHANNELS_${L16_CHANNELS}`;
