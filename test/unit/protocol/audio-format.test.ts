import { describe, expect, it } from 'vitest';
import * as format from '../../../src/protocol/audio-format.js';
import { PART_BYTES as chunkerPartBytes } from '../../../src/audio/chunker.js';
import { buildSpeechRecognize } from '../../../src/protocol/messages.js';

describe('the L16 format facts (spec 3.5.1), declared once', () => {
  it('16 kHz, mono, 16-bit: 32,000 bytes a second, 6,400-byte parts of 200 ms', () => {
    expect(format.L16_SAMPLE_RATE).toBe(16000);
    expect(format.L16_CHANNELS).toBe(1);
    expect(format.L16_BITS_PER_SAMPLE).toBe(16);
    expect(format.L16_BYTES_PER_SECOND).toBe(32000);
    expect(format.L16_BYTES_PER_MS).toBe(32);
    expect(format.PART_BYTES).toBe(6400);
    expect(format.PART_MS * format.L16_BYTES_PER_MS).toBe(format.PART_BYTES);
    expect(format.L16_FORMAT).toBe('AUDIO_L16_RATE_16000_CHANNELS_1');
  });

  it('the chunker and the Recognize payload use them', () => {
    expect(chunkerPartBytes).toBe(format.PART_BYTES);
    expect(buildSpeechRecognize({ lang: 'en' }, 'd', []).event.payload.format).toBe(format.L16_FORMAT);
  });
});
