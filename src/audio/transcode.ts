import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { withoutSecrets } from '../protocol/redact.js';
import { findProgram } from './programs.js';

/** ffmpeg's path when it is installed (it turns AAC into MP3 for a player that only takes MP3). */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findProgram('ffmpeg', env);
}

/**
 * AAC (ADTS) in, MP3 out, as it streams: `ffmpeg -f aac -i pipe:0 -f mp3 pipe:1`. The process is
 * killed when `signal` aborts or the output is destroyed; its failure errors the output stream.
 */
export function aacToMp3(input: Readable, ffmpeg: string, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Readable {
  const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-f', 'aac', '-i', 'pipe:0', '-f', 'mp3', '-b:a', '128k', 'pipe:1'], {
    env: withoutSecrets(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  const kill = () => child.kill('SIGKILL');
  signal.addEventListener('abort', kill, { once: true });
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2048)));
  child.stdin.on('error', () => undefined); // EPIPE when ffmpeg ends first
  input.on('error', (err) => child.stdout.destroy(err));
  input.pipe(child.stdin);
  child.stdout.once('close', () => {
    signal.removeEventListener('abort', kill);
    input.unpipe(child.stdin);
    if (child.exitCode === null) kill();
  });
  child.once('error', (err) => child.stdout.destroy(err));
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) child.stdout.destroy(new Error(`ffmpeg could not convert the AAC stream (exit code ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
  });
  return child.stdout;
}
