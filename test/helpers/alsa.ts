/**
 * ALSA without a sound card, for tests that run the real arecord / mpg123 (recipes measured in
 * shared/audio-testing.md):
 *
 * - `alsaCaptureEnv(raw)`: the `default` capture device reads a raw file (or a FIFO) through ALSA's
 *   `file` plugin. Ask for exactly the file's format (16 kHz mono S16_LE here): `plug` conversion
 *   garbles the data.
 * - `alsaPlaybackEnv(out)`: whatever is played on `default` is written to a raw file.
 * - `pacedFifo(pcm)`: a FIFO to use as the capture `infile`, fed one ALSA period per write, so
 *   arecord delivers the audio in real time like a microphone, byte for byte.
 *
 * Pass the returned variables in the child's environment (merged with process.env); nothing in the
 * user's or the system's ALSA configuration is changed.
 */
import { execFileSync } from 'node:child_process';
import { close, constants, existsSync, mkdtempSync, open, readdirSync, readFileSync, rmSync, write, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The system-wide ALSA configuration that ALSA_CONFIG_PATH must keep loading first. */
export const ALSA_SYSTEM_CONFIG = ['/usr/share/alsa/alsa.conf', '/etc/alsa/alsa.conf'].find((p) => existsSync(p)) ?? '/usr/share/alsa/alsa.conf';

/** arecord's default period with 16 kHz mono S16_LE here: 2000 frames, 4000 bytes, 125 ms. */
export const ARECORD_PERIOD_BYTES = 4000;
export const ARECORD_PERIOD_MS = 125;

let scratch: string | undefined;
/** One temporary directory per test process, removed when the process exits. */
function scratchDir(): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'clova-alsa-'));
    scratch = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

let confCount = 0;
function writeConf(pcm: string): { ALSA_CONFIG_PATH: string } {
  const conf = join(scratchDir(), `asound-${process.pid}-${++confCount}.conf`);
  writeFileSync(conf, `pcm.!default { ${pcm} }\n`);
  return { ALSA_CONFIG_PATH: `${ALSA_SYSTEM_CONFIG}:${conf}` };
}

function quote(path: string): string {
  return `"${resolve(path).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Environment in which ALSA's `default` capture device reads `rawFilePath` (L16 16 kHz mono raw, or
 * a FIFO from pacedFifo). A plain file is not paced: it arrives at once, and an unbounded arecord
 * then returns stale buffer data after its end, so bound the capture (-d) or use a FIFO.
 */
export function alsaCaptureEnv(rawFilePath: string): { ALSA_CONFIG_PATH: string } {
  return writeConf(`type file slave.pcm "null" file "/dev/null" infile ${quote(rawFilePath)} format "raw"`);
}

/** Environment in which whatever is played on ALSA's `default` device is written, raw, to `outRawPath` (at the player's rate and channels; not paced). */
export function alsaPlaybackEnv(outRawPath: string): { ALSA_CONFIG_PATH: string } {
  return writeConf(`type file slave.pcm "null" file ${quote(outRawPath)} format "raw"`);
}

/**
 * Opens a FIFO for writing once a reader has it open. A non-blocking open fails (ENXIO) until then:
 * poll, rather than park a libuv thread in a blocking open() that nothing could cancel if the reader
 * never comes. `setTimer` receives each poll's timer so that the caller can cancel it.
 */
function openWhenRead(
  path: string,
  isClosed: () => boolean,
  setTimer: (t: ReturnType<typeof setTimeout>) => void,
  onOpen: (fd: number) => void,
): void {
  if (isClosed()) return;
  open(path, constants.O_WRONLY | constants.O_NONBLOCK, (err, handle) => {
    if (isClosed()) {
      if (!err) close(handle, () => {});
      return;
    }
    if (err) setTimer(setTimeout(() => openWhenRead(path, isClosed, setTimer, onOpen), 5));
    else onOpen(handle);
  });
}

export interface PacedFifo {
  /** The FIFO: put it as `infile` with alsaCaptureEnv(path). */
  readonly path: string;
  /** Resolves when a reader (arecord) has opened the FIFO and writing began. */
  readonly opened: Promise<void>;
  /** Resolves with the bytes written once all are written, or once close() or a vanished reader cut it short. Never rejects. */
  readonly done: Promise<number>;
  /** Stops writing, closes the FIFO (the reader sees end of file) and removes it. Idempotent. */
  close(): void;
}

/**
 * Creates a FIFO and feeds `rawPcm` into it, `bytesPerWrite` every `intervalMs`, once a reader
 * opens it. ALSA's file plugin reads one period per read and pads a short read with garbage, so
 * each write must be exactly one period (4000 bytes for arecord's defaults; a smaller interval
 * than 125 ms just runs ahead, which is fine as long as writes stay whole periods).
 *
 * After the last byte the FIFO stays open (the reader blocks like an idle microphone): at end of
 * file arecord would spin, returning stale data at full speed. So stop the recorder first, then
 * call close(). Writes of up to 4096 bytes (PIPE_BUF) are atomic; larger ones may split when the
 * pipe is nearly full.
 */
export function pacedFifo(rawPcm: Buffer, options: { bytesPerWrite?: number; intervalMs?: number } = {}): PacedFifo {
  const bytesPerWrite = options.bytesPerWrite ?? ARECORD_PERIOD_BYTES;
  const intervalMs = options.intervalMs ?? ARECORD_PERIOD_MS;
  const dir = mkdtempSync(join(scratchDir(), 'fifo-'));
  const path = join(dir, 'mic.fifo');
  execFileSync('mkfifo', [path]);

  let closed = false;
  let fd: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let written = 0;
  let resolveOpened!: () => void;
  let resolveDone!: (n: number) => void;
  const opened = new Promise<void>((r) => (resolveOpened = r));
  const done = new Promise<number>((r) => (resolveDone = r));

  const tryOpen = (): void =>
    openWhenRead(
      path,
      () => closed,
      (t) => (timer = t),
      (handle) => {
        fd = handle;
        resolveOpened();
        writeNext();
      },
    );

  const writeNext = (): void => {
    if (closed || fd === undefined) return;
    if (written >= rawPcm.length) {
      resolveDone(written);
      return;
    }
    const chunk = rawPcm.subarray(written, written + bytesPerWrite);
    const writeRest = (offset: number): void => {
      write(fd!, chunk, offset, chunk.length - offset, null, (err, n) => {
        if (closed) return;
        if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') {
          // The pipe is full (the reader is behind): try the same bytes again shortly.
          timer = setTimeout(() => writeRest(offset), 5);
          return;
        }
        if (err) {
          // EPIPE: the reader went away.
          resolveDone(written);
          return;
        }
        written += n;
        if (offset + n < chunk.length) return writeRest(offset + n);
        timer = setTimeout(writeNext, intervalMs);
      });
    };
    writeRest(0);
  };

  tryOpen();
  return {
    path,
    opened,
    done,
    close(): void {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      if (fd !== undefined) close(fd, () => {});
      resolveDone(written);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether a process is still there (not exited, or exited but not yet reaped, a zombie). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live `arecord` processes whose environment contains `marker` (e.g. a unique ALSA_CONFIG_PATH). */
export function arecordPids(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'arecord') continue;
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) found.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/**
 * A FIFO microphone for several capture turns (one arecord per turn): each new arecord whose
 * environment contains `marker` gets the next of `turns`, paced one period per write, then silence,
 * as a microphone in a quiet room would. A FIFO cannot tell its readers apart, so the turns follow
 * the arecord processes themselves (/proc): the next turn starts once the previous reader is gone.
 */
export function pacedFifoTurns(
  turns: Buffer[],
  marker: () => string,
  options: { bytesPerWrite?: number; intervalMs?: number } = {},
): { path: string; readers: () => number; close(): void } {
  const bytesPerWrite = options.bytesPerWrite ?? ARECORD_PERIOD_BYTES;
  const intervalMs = options.intervalMs ?? ARECORD_PERIOD_MS;
  const dir = mkdtempSync(join(scratchDir(), 'fifo-'));
  const path = join(dir, 'mic.fifo');
  execFileSync('mkfifo', [path]);
  const silence = Buffer.alloc(bytesPerWrite);
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fd: number | undefined;
  const seen = new Set<number>();
  let reader: number | undefined;
  let audio: Buffer = Buffer.alloc(0);
  let offset = 0;

  const openWriter = (): void =>
    openWhenRead(
      path,
      () => closed,
      (t) => (timer = t),
      (handle) => {
        fd = handle;
        tick();
      },
    );

  const tick = (): void => {
    if (closed || fd === undefined) return;
    const alive = arecordPids(marker());
    if (reader === undefined || !alive.includes(reader)) {
      const fresh = alive.filter((p) => !seen.has(p));
      if (fresh.length === 1 && alive.length === 1) {
        reader = fresh[0]!;
        seen.add(reader);
        audio = turns[seen.size - 1] ?? Buffer.alloc(0);
        offset = 0;
      }
    }
    // Whole periods only: the last piece of speech is padded with silence to a full period.
    let chunk = offset < audio.length ? audio.subarray(offset, offset + bytesPerWrite) : silence;
    if (chunk.length < bytesPerWrite) chunk = Buffer.concat([chunk, silence.subarray(chunk.length)]);
    write(fd, chunk, 0, chunk.length, null, (err) => {
      if (closed) return;
      if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') {
        timer = setTimeout(tick, 5);
        return;
      }
      if (err) {
        // No reader at all (one turn over, the next not yet open): wait for the next one.
        close(fd!, () => {});
        fd = undefined;
        openWriter();
        return;
      }
      offset += bytesPerWrite;
      timer = setTimeout(tick, intervalMs);
    });
  };

  openWriter();
  return {
    path,
    readers: () => seen.size,
    close(): void {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      if (fd !== undefined) close(fd, () => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
