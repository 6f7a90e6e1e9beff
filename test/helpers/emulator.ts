import { afterEach } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

const running = new Set<Emulator>();

/** Starts an emulator on 127.0.0.1:0 that is closed after the current test. */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ host: '127.0.0.1', port: 0, ...options });
  running.add(e);
  return e;
}

afterEach(async () => {
  await Promise.all([...running].map((e) => e.close()));
  running.clear();
});

/** The token every e2e test uses; tests assert it never appears in any output. */
export const TOKEN = 'tok-e2e-7f3a9c1d5b';
