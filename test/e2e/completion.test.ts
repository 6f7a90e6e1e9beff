import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { FAULT_TABLE } from '../../src/emulator/faults.js';
import { ALSA_SYSTEM_CONFIG } from '../helpers/alsa.js';
import { baseEnv, runCli } from '../helpers/cli.js';
import { SCRIPT, stripAnsi } from '../helpers/terminal.js';
import { bashComplete, cliBinDir, nodeOnlyDir, pathWith } from '../helpers/completion.js';

/** A shell on PATH, or undefined (zsh and fish are not in CI's packages). */
function shell(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** An ALSA configuration whose `arecord -L` lists a capture device `testmic` (no sound card needed). */
function alsaWithTestMic(): string {
  const conf = join(mkdtempSync(join(tmpdir(), 'clova-alsa-conf-')), 'asound.conf');
  writeFileSync(conf, 'pcm.testmic { type null hint { show on description "Test microphone" } }\n');
  return `${ALSA_SYSTEM_CONFIG}:${conf}`;
}

const scripts: Record<'bash' | 'zsh' | 'fish', string> = { bash: '', zsh: '', fish: '' };
let bin = '';

beforeAll(async () => {
  for (const sh of ['bash', 'zsh', 'fish'] as const) {
    const r = await runCli(['completion', sh]);
    expect(r.stderr).toBe('');
    expect(r.code, sh).toBe(0);
    scripts[sh] = r.stdout;
  }
  bin = cliBinDir();
});

/** Completes `line` with the real bash script, `clova-cli` on PATH. */
function complete(line: string, env: NodeJS.ProcessEnv = {}, cwd?: string): string[] {
  const r = bashComplete(scripts.bash, line, { env: baseEnv({ PATH: pathWith([bin]), ...env }), cwd });
  expect(r.stderr, line).toBe('');
  return r.reply;
}

describe('clova-cli completion bash, loaded in a real bash', () => {
  it('registers a completion function for clova-cli', () => {
    expect(bashComplete(scripts.bash, 'clova-cli ').registration).toBe('complete -F _clova_cli clova-cli');
  });

  it('completes command names by prefix, every command of the program', () => {
    expect(complete('clova-cli te')).toEqual(['text']);
    expect(complete('clova-cli em')).toEqual(['emulator']);
    const names = buildProgram().commands.map((c) => c.name());
    expect(complete('clova-cli ')).toEqual(expect.arrayContaining([...names, 'help']));
    expect(names).toContain('completion');
  });

  it('completes options by prefix, as the program declares them for that command', () => {
    expect(complete('clova-cli text --ti')).toEqual(['--timeout', '--timings']);
    expect(complete('clova-cli text --timeo')).toEqual(['--timeout']);
    const text = buildProgram().commands.find((c) => c.name() === 'text')!;
    const withT = text.options.map((o) => o.long!).filter((l) => l.startsWith('--t'));
    expect(complete('clova-cli text --t').sort()).toEqual(withT.sort());
    // --lang belongs to the voice commands only.
    expect(complete('clova-cli text --la')).toEqual([]);
    expect(complete('clova-cli listen --la')).toEqual(['--lang']);
    // Options after values and arguments still complete.
    expect(complete('clova-cli listen --timeout 5000 --max-')).toEqual(['--max-seconds']);
    expect(complete('clova-cli auth token --')).toEqual(['--timeout', '--help']);
    // After --, words are arguments: no options, and files where the command takes files.
    expect(complete('clova-cli listen -- ')).toEqual([]);
    expect(complete('clova-cli recognize -- --')).toEqual([]);
  });

  it('completes --lang and --recorder with their choices, in both --opt value and --opt=value forms', () => {
    expect(complete('clova-cli listen --lang ')).toEqual(['ko', 'en', 'ja']);
    expect(complete('clova-cli recognize --lang e')).toEqual(['en']);
    expect(complete('clova-cli chat --verbose --lang j')).toEqual(['ja']);
    // bash splits --lang=e at "=": its current word is "e", so the reply is the rest of the value.
    expect(complete('clova-cli listen --lang=e')).toEqual(['en']);
    expect(complete('clova-cli listen --recorder ')).toEqual(['lpcm16', 'mic']);
    expect(complete('clova-cli chat --recorder m')).toEqual(['mic']);
  });

  it('completes emulator fault names from the fault table for emulator --fault and --emulator-fault', () => {
    const faults = complete('clova-cli emulator --fault ');
    expect(faults).toContain('goaway-after-hello');
    // A fault that needs a value completes to name= (no space after it, to type the value).
    expect(faults).toEqual(FAULT_TABLE.map((f) => (f.value.startsWith('=') ? `${f.name}=` : f.name)));
    expect(complete('clova-cli text --emulator-fault go')).toEqual(['goaway-after-hello']);
    expect(complete('clova-cli listen --emulator --emulator-fault event-')).toEqual(['event-status=', 'event-delay=']);
  });

  it('completes positional arguments: the shells of completion, the commands of help, file names otherwise', () => {
    expect(complete('clova-cli completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('clova-cli completion z')).toEqual(['zsh']);
    expect(complete('clova-cli help li')).toEqual(['listen']);
    expect(complete('clova-cli auth ')).toEqual(['status', 'token', 'help']);
    const dir = mkdtempSync(join(tmpdir(), 'clova-files-'));
    writeFileSync(join(dir, 'question.wav'), '');
    writeFileSync(join(dir, 'other.txt'), '');
    expect(complete('clova-cli recognize --lang en q', {}, dir)).toEqual(['question.wav']);
    expect(complete('clova-cli text --save-audio=q', {}, dir)).toEqual(['question.wav']);
    // The value of an option is not taken for a command name.
    expect(complete('clova-cli text --ca-file o', {}, dir)).toEqual(['other.txt']);
  });

  it('completes --device with the capture devices clova-cli lists at Tab time', () => {
    const devices = complete('clova-cli listen --device ', { ALSA_CONFIG_PATH: alsaWithTestMic() });
    expect(devices).toContain('testmic');
    expect(complete('clova-cli chat --device test', { ALSA_CONFIG_PATH: alsaWithTestMic() })).toEqual(['testmic']);
  });

  it('offers no device and prints nothing when they cannot be listed (no arecord on PATH)', () => {
    expect(complete('clova-cli listen --device ', { PATH: pathWith([bin, nodeOnlyDir()], '') })).toEqual([]);
  });

  it('completes device names with : and = as one word (ALSA names), although bash splits them', () => {
    // A stand-in for `clova-cli completion --devices` that lists the names a sound card gives.
    const fake = mkdtempSync(join(tmpdir(), 'clova-fake-'));
    writeFileSync(join(fake, 'clova-cli'), '#!/bin/sh\nprintf "%s\\n" "hw:CARD=PCH,DEV=0" "plughw:CARD=PCH,DEV=0" "My Mic"\n');
    chmodSync(join(fake, 'clova-cli'), 0o755);
    const env = { PATH: pathWith([fake]) };
    // COMP_WORDS end in "hw" ":" "CARD" "=" "P": the reply replaces only bash's current word "P".
    expect(complete('clova-cli listen --device hw:CARD=P', env)).toEqual(['PCH,DEV=0']);
    expect(complete('clova-cli listen --device pl', env)).toEqual(['plughw:CARD=PCH,DEV=0']);
    // Here bash's current word is the ":" itself.
    expect(complete('clova-cli listen --device=hw:', env)).toEqual([':CARD=PCH,DEV=0']);
    // A name with a space is quoted for the command line.
    expect(complete('clova-cli listen --device My', env)).toEqual(['My\\ Mic']);
  });
});

describe('clova-cli completion bash, on Tab in an interactive bash (readline on a pseudo-terminal)', () => {
  it.skipIf(SCRIPT === undefined)('completes what is typed, as the user sees it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'clova-rl-')), 'clova-cli.bash');
    writeFileSync(file, scripts.bash);
    // Each line: the words, Tab, what is typed after it, then Ctrl-A and "echo LINE: " before it all, so the completed line is printed.
    const lines = [['clova-cli te', 'x'], ['clova-cli listen --lang=e', ''], ['clova-cli emulator --fault event-s', '500'], ['clova-cli chat --device test', ''], ['clova-cli text --timeo', '9']];
    const input = `unset HISTFILE; source ${JSON.stringify(file)}; bind "set bell-style none"\n${lines.map(([l, after]) => `${l}\t${after}\u0001echo LINE: \n`).join('')}exit\n`;
    const r = spawnSync(SCRIPT!, ['-qec', 'bash --norc --noprofile -i', '/dev/null'], {
      input,
      encoding: 'utf8',
      timeout: 30000,
      env: baseEnv({ PATH: pathWith([bin]), ALSA_CONFIG_PATH: alsaWithTestMic(), INPUTRC: '/dev/null', PS1: '$ ', TERM: 'xterm' }),
    });
    const printed = stripAnsi(r.stdout)
      .split(/\r?\n|\r/)
      .filter((l) => l.startsWith('LINE: '))
      .map((l) => l.slice('LINE: '.length));
    // A completed word gets a space after it, but a fault that needs a value does not, after its "=".
    expect(printed).toEqual(['clova-cli text x', 'clova-cli listen --lang=en', 'clova-cli emulator --fault event-status=500', 'clova-cli chat --device testmic', 'clova-cli text --timeout 9']);
  });
});

describe('clova-cli completion --devices', () => {
  it('lists the capture devices one a line', async () => {
    const r = await runCli(['completion', '--devices'], { env: { ALSA_CONFIG_PATH: alsaWithTestMic() } });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('testmic');
    expect(r.stderr).toBe('');
  });

  it('prints nothing and exits 0 without arecord', async () => {
    const r = await runCli(['completion', '--devices'], { env: { PATH: nodeOnlyDir() } });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('asks for a shell when given neither a shell nor --devices, and refuses an unknown shell', async () => {
    const none = await runCli(['completion']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('completion needs a shell');
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bash, zsh, fish');
  });
});

describe('clova-cli completion zsh and fish', () => {
  const zsh = shell('zsh');
  const fish = shell('fish');

  it.skipIf(zsh === undefined)('the zsh script parses (zsh -n)', () => {
    const r = spawnSync(zsh!, ['-n'], { input: scripts.zsh, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(fish === undefined)('the fish script parses (fish -n) and completes in fish', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clova-fish-'));
    const file = join(dir, 'clova-cli.fish');
    writeFileSync(file, scripts.fish);
    const parse = spawnSync(fish!, ['--no-config', '-n', file], { encoding: 'utf8' });
    expect(parse.status, parse.stderr).toBe(0);
    const completions = (line: string): string[] => {
      const r = spawnSync(fish!, ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { encoding: 'utf8', env: baseEnv({ PATH: pathWith([bin]) }) });
      return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]);
    };
    expect(completions('clova-cli te')).toEqual(['text']);
    expect(completions('clova-cli listen --lang ').sort()).toEqual(['en', 'ja', 'ko']);
    expect(completions('clova-cli emulator --fault go')).toEqual(['goaway-after-hello']);
    expect(completions('clova-cli listen --recorder ').sort()).toEqual(['lpcm16', 'mic']);
  });

  it('the zsh script is a compsys function with a case for every command and every option', () => {
    const s = scripts.zsh;
    expect(s.startsWith('#compdef clova-cli\n')).toBe(true);
    expect(s).toContain('compdef _clova_cli clova-cli');
    for (const cmd of buildProgram().commands) {
      expect(s, cmd.name()).toMatch(new RegExp(`^_clova_cli__${cmd.name()}\\(\\) \\{$`, 'm'));
      for (const o of cmd.options) expect(s, `${cmd.name()} ${o.long}`).toContain(`${o.long}`);
    }
    expect(s).toContain(`'1:command:->command'`);
    expect(s).toMatch(/--lang=\[[^\]]*\]:value:\(ko en ja\)'/);
    expect(s).toContain("'goaway-after-hello:");
    expect(s).toContain('command clova-cli completion --devices');
    // Quotes and braces are balanced: every line's single quotes pair up (a quote inside is '\'' ).
    for (const line of s.split('\n')) expect(line.replace(/'\\''/g, '').split("'").length % 2, line).toBe(1);
    expect(s.split('{').length).toBe(s.split('}').length);
  });

  it('the fish script has a complete line for every command and option, conditioned on its command path', () => {
    const s = scripts.fish;
    for (const cmd of buildProgram().commands) {
      expect(s).toContain(`complete -c clova-cli -n '__clova_cli_at \\'\\'' -f -a '${cmd.name()}'`);
      for (const o of cmd.options) {
        expect(s, `${cmd.name()} ${o.long}`).toMatch(new RegExp(`^complete -c clova-cli -n '__clova_cli_at \\\\'${cmd.name()}\\\\'' .*-l '${o.long!.slice(2)}'`, 'm'));
      }
    }
    const ends = s.split('\n').filter((l) => /^\s*end$/.test(l)).length;
    const opens = s.split('\n').filter((l) => /^\s*(function|switch|for|if|while|begin) /.test(l)).length;
    expect(ends).toBe(opens);
  });
});
