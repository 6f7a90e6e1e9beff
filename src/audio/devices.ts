import { spawn } from 'node:child_process';
import { UsageError } from '../protocol/errors.js';
import { withoutSecrets } from '../protocol/redact.js';
import { RecorderError } from './recorder-error.js';
import { requireProgram } from './programs.js';

export interface CaptureDevice {
  /** What --device takes: an ALSA PCM name for arecord -D, a CoreAudio device name for rec (AUDIODEV). */
  name: string;
  description: string;
}

const LIST_TIMEOUT_MS = 5000;

/** From `arecord -L` on Linux (names for -D); on macOS the input devices system_profiler reports. UsageError when the lister program is missing. */
export async function listCaptureDevices(options: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {}): Promise<CaptureDevice[]> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  if (platform === 'darwin') {
    const path = requireProgram('system_profiler', { env, platform, more: 'rec (sox) records from the system default input' });
    return parseSystemProfilerAudio(await run(path, 'system_profiler', ['SPAudioDataType', '-json'], env));
  }
  if (platform === 'win32') {
    throw new UsageError('listing capture devices needs arecord (Linux) or macOS: on Windows pass a device name sox knows with --device');
  }
  const path = requireProgram('arecord', { env, platform });
  return parseArecordList(await run(path, 'arecord', ['-L'], env));
}

/** Parses `arecord -L`: a name at the start of a line, its description on the indented lines below it. */
export function parseArecordList(text: string): CaptureDevice[] {
  const devices: CaptureDevice[] = [];
  let current: { name: string; lines: string[] } | undefined;
  const flush = (): void => {
    // Card lines may end in a comma ("seeed-8mic-voicecard, ") before the next description line.
    if (current !== undefined) devices.push({ name: current.name, description: current.lines.map((l) => l.replace(/,\s*$/, '')).join(', ') });
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) {
      current?.lines.push(line.trim());
      continue;
    }
    flush();
    current = { name: line.trim(), lines: [] };
  }
  flush();
  return devices;
}

interface ProfilerItem {
  _name?: unknown;
  _items?: unknown;
  coreaudio_device_input?: unknown;
  coreaudio_device_manufacturer?: unknown;
  coreaudio_default_audio_input_device?: unknown;
}

/** Parses `system_profiler SPAudioDataType -json`: the devices with input channels, default first. */
export function parseSystemProfilerAudio(json: string): CaptureDevice[] {
  let data: { SPAudioDataType?: ProfilerItem[] };
  try {
    data = JSON.parse(json) as typeof data;
  } catch {
    throw new RecorderError('system_profiler printed something other than JSON: list inputs in System Settings → Sound instead');
  }
  // Devices sit under a "coreaudio_device" group, one level deeper on some macOS releases: take the leaves.
  const leaves = (item: ProfilerItem): ProfilerItem[] => (Array.isArray(item._items) ? (item._items as ProfilerItem[]).flatMap(leaves) : [item]);
  const items = (Array.isArray(data.SPAudioDataType) ? data.SPAudioDataType : []).flatMap((group) => (Array.isArray(group._items) ? (group._items as ProfilerItem[]).flatMap(leaves) : []));
  const inputs = items.filter((i) => typeof i._name === 'string' && Number(i.coreaudio_device_input ?? 0) > 0);
  const isDefault = (i: ProfilerItem): boolean => i.coreaudio_default_audio_input_device === 'spaudio_yes';
  const devices: CaptureDevice[] = [];
  const def = inputs.find(isDefault);
  devices.push({ name: 'default', description: `system default input${def ? ` (${String(def._name)})` : ''}` });
  for (const i of inputs) {
    const parts = [typeof i.coreaudio_device_manufacturer === 'string' ? i.coreaudio_device_manufacturer : undefined, `${Number(i.coreaudio_device_input)} input channel(s)`];
    if (isDefault(i)) parts.push('default input');
    devices.push({ name: String(i._name), description: parts.filter((p) => p !== undefined).join(', ') });
  }
  return devices;
}

/** Runs a lister and returns its stdout; a failure or a hang (killed after 5 s) is a RecorderError. */
function run(path: string, name: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: withoutSecrets(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4096)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, LIST_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new RecorderError(`cannot run ${name}: ${err.message}`, 'E_RECORDER', { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const last = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop();
      const how = timedOut ? `did not answer within ${LIST_TIMEOUT_MS / 1000} s` : code !== null ? `exit code ${code}` : `signal ${signal}`;
      reject(new RecorderError(`${name} ${args.join(' ')} failed (${how})${last ? `: ${last}` : ''}`));
    });
  });
}
