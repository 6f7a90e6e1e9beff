import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listCaptureDevices, parseArecordList, parseSystemProfilerAudio } from '../../../src/audio/devices.js';
import { UsageError } from '../../../src/protocol/errors.js';
import { alsaCaptureEnv } from '../../helpers/alsa.js';

const dir = mkdtempSync(join(tmpdir(), 'clova-devices-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `arecord -L` on a Raspberry Pi with a ReSpeaker 8-mic card (published in its vendor's setup guide), trimmed. */
const ARECORD_L = `null
    Discard all samples (playback) or generate zero samples (capture)
default
    Playback/recording through the PulseAudio sound server
ac108
dmixer
sysdefault:CARD=seeed8micvoicec
    seeed-8mic-voicecard, 
    Default Audio Device
dsnoop:CARD=seeed8micvoicec,DEV=0
    seeed-8mic-voicecard, 
    Direct sample snooping device
hw:CARD=seeed8micvoicec,DEV=0
    seeed-8mic-voicecard, 
    Direct hardware device without any conversions
plughw:CARD=seeed8micvoicec,DEV=0
    seeed-8mic-voicecard, 
    Hardware device with all software conversions
`;

describe('parseArecordList', () => {
  it('reads names and their (multi-line) descriptions', () => {
    const devices = parseArecordList(ARECORD_L);
    expect(devices.map((d) => d.name)).toEqual([
      'null',
      'default',
      'ac108',
      'dmixer',
      'sysdefault:CARD=seeed8micvoicec',
      'dsnoop:CARD=seeed8micvoicec,DEV=0',
      'hw:CARD=seeed8micvoicec,DEV=0',
      'plughw:CARD=seeed8micvoicec,DEV=0',
    ]);
    expect(devices[1]).toEqual({ name: 'default', description: 'Playback/recording through the PulseAudio sound server' });
    expect(devices[2]).toEqual({ name: 'ac108', description: '' });
    expect(devices[7]!.description).toBe('seeed-8mic-voicecard, Hardware device with all software conversions');
  });

  it('copes with CRLF, blank lines and nothing at all', () => {
    expect(parseArecordList('null\r\n    Discard\r\n\r\ndefault\r\n')).toEqual([
      { name: 'null', description: 'Discard' },
      { name: 'default', description: '' },
    ]);
    expect(parseArecordList('')).toEqual([]);
  });
});

describe('listCaptureDevices', () => {
  it('runs the real arecord -L: with the ALSA file-plugin config it lists default', async () => {
    const devices = await listCaptureDevices({ env: { ...process.env, ...alsaCaptureEnv('/dev/null') }, platform: 'linux' });
    const names = devices.map((d) => d.name);
    expect(names).toContain('default');
    expect(names).toContain('null');
  });

  it('a missing arecord is a UsageError naming the package', async () => {
    const err = await listCaptureDevices({ env: { PATH: mkdtempSync(join(dir, 'empty-')) }, platform: 'linux' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('arecord not found: install alsa-utils (apt-get install alsa-utils)');
  });

  it('Windows gets a UsageError saying what to do instead', async () => {
    await expect(listCaptureDevices({ platform: 'win32' })).rejects.toThrow(/on Windows pass a device name sox knows with --device/);
  });
});

describe('parseSystemProfilerAudio (macOS)', () => {
  // The shape of `system_profiler SPAudioDataType -json`: devices under a "coreaudio_device" group.
  const json = JSON.stringify({
    SPAudioDataType: [
      {
        _name: 'coreaudio_device',
        _items: [
          {
            _name: 'MacBook Pro Microphone',
            coreaudio_default_audio_input_device: 'spaudio_yes',
            coreaudio_device_input: 1,
            coreaudio_device_manufacturer: 'Apple Inc.',
            coreaudio_device_srate: 48000,
            coreaudio_device_transport: 'coreaudio_device_type_builtin',
          },
          {
            _name: 'MacBook Pro Speakers',
            coreaudio_default_audio_output_device: 'spaudio_yes',
            coreaudio_device_manufacturer: 'Apple Inc.',
            coreaudio_device_output: 2,
          },
          { _items: [{ _name: 'Yeti Stereo Microphone', coreaudio_device_input: 2, coreaudio_device_manufacturer: 'Blue' }] },
        ],
      },
    ],
  });

  it('lists the inputs, the system default first', () => {
    expect(parseSystemProfilerAudio(json)).toEqual([
      { name: 'default', description: 'system default input (MacBook Pro Microphone)' },
      { name: 'MacBook Pro Microphone', description: 'Apple Inc., 1 input channel(s), default input' },
      { name: 'Yeti Stereo Microphone', description: 'Blue, 2 input channel(s)' },
    ]);
  });

  it('says so when the output is not JSON', () => {
    expect(() => parseSystemProfilerAudio('oops')).toThrow(/other than JSON/);
  });
});
