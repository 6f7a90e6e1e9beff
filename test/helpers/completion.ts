/**
 * Runs a generated bash completion script in a real bash, the way bash runs it on Tab: COMP_LINE,
 * COMP_POINT, and COMP_WORDS split as readline splits them (at blanks, and at the COMP_WORDBREAKS
 * characters `=` and `:`, which become words of their own), then the function `complete -p` names.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './cli.js';

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** COMP_WORDS for `line` with the cursor at its end, as bash builds them. */
export function compWords(line: string): string[] {
  const words = line.split(/[ \t]+/).flatMap((w) => w.split(/([=:]+)/).filter((p) => p !== ''));
  if (/[ \t=:]$/.test(line) && !/[=:]$/.test(line)) words.push('');
  return words;
}

/** A directory holding `clova-cli` (the real bin/clova-cli.js), for PATH: the scripts call it for devices. */
export function cliBinDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clova-bin-'));
  symlinkSync(CLI, join(dir, 'clova-cli'));
  return dir;
}

/** PATH with `dirs` first, then `rest` (the test process's PATH by default). */
export function pathWith(dirs: string[], rest = process.env.PATH ?? ''): string {
  return [...dirs, rest].filter((p) => p !== '').join(':');
}

/** A directory holding only `node`: as PATH, a machine without arecord or any other program. */
export function nodeOnlyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clova-node-only-'));
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

/** bash, found on the test's own PATH (a test may run the script with a PATH without it). */
const BASH = spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim() || '/bin/bash';

export interface BashCompletion {
  /** COMPREPLY, one entry per candidate. */
  reply: string[];
  stderr: string;
  /** What `complete -p clova-cli` printed: how the script registered itself. */
  registration: string;
}

/** Loads `script` in `bash --norc` and completes `line` (cursor at the end). */
export function bashComplete(script: string, line: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): BashCompletion {
  const dir = mkdtempSync(join(tmpdir(), 'clova-complete-'));
  const file = join(dir, 'clova-cli.bash');
  writeFileSync(file, script);
  const words = compWords(line);
  const driver = `
source ${shQuote(file)} || exit 9
registration=$(complete -p clova-cli)
fn=\${registration#*-F }; fn=\${fn%% *}
COMP_LINE=${shQuote(line)}
COMP_POINT=\${#COMP_LINE}
COMP_WORDS=(${words.map(shQuote).join(' ')})
COMP_CWORD=${words.length - 1}
COMPREPLY=()
"$fn" clova-cli "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "$registration"
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = spawnSync(BASH, ['--norc', '--noprofile', '-c', driver], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`bash exited ${r.status ?? r.signal}: ${r.stderr}`);
  const [registration, ...reply] = r.stdout.split('\n');
  if (reply.at(-1) === '') reply.pop();
  return { reply: reply.filter((l) => l !== ''), stderr: r.stderr, registration };
}
