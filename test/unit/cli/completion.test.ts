import { Argument, Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { completeFrom } from '../../../src/cli/completion-hints.js';
import { bashScript } from '../../../src/cli/completion/bash.js';
import { fishScript } from '../../../src/cli/completion/fish.js';
import { completionModel, shortDescription, type SourceValues } from '../../../src/cli/completion/model.js';
import { zshScript } from '../../../src/cli/completion/zsh.js';
import { buildProgram } from '../../../src/cli/program.js';
import { collect } from '../../../src/cli/request-options.js';
import { bashComplete } from '../../helpers/completion.js';

const values: SourceValues = { faults: [{ word: 'boom', description: 'it breaks' }, { word: 'delay=', description: 'wait', open: true }] };

/** The real program plus a command added after the fact, as another module would: the script must follow. */
function programWithExtraCommand(): Command {
  const program = buildProgram();
  const cmd = program
    .command('zzz-probe')
    .alias('zp')
    .description("a command the generator has never heard of (it's new)")
    .addOption(new Option('--flavour <f>', 'one of the flavours').choices(['sweet', 'sour']))
    .addOption(completeFrom(new Option('--inject <spec>', 'a fault').argParser(collect), 'faults'))
    .addOption(new Option('--secret-knob', 'not for completion').hideHelp())
    .option('--level [n]', 'optional value');
  cmd.command('inner').description('nested').addArgument(new Argument('<mode>', 'mode').choices(['fast', 'slow']));
  return program;
}

describe('completion model, read from commander', () => {
  const model = completionModel(programWithExtraCommand(), values);
  const probe = model.commands.find((c) => c.names[0] === 'zzz-probe')!;

  it('takes commands, aliases, visible options, choices, sources and repeatability from the program', () => {
    expect(probe.names).toEqual(['zzz-probe', 'zp']);
    expect(probe.options.map((o) => o.flags.join(','))).toEqual(['--flavour', '--inject', '--level', '-h,--help']);
    expect(probe.options[0].value).toEqual({ kind: 'words', words: [{ word: 'sweet', description: '' }, { word: 'sour', description: '' }] });
    expect(probe.options[1]).toMatchObject({ value: { kind: 'words', words: values.faults }, repeatable: true });
    expect(probe.options[2]).toMatchObject({ optionalValue: true, value: { kind: 'files' } });
    expect(probe.commands.map((c) => c.names[0])).toEqual(['inner', 'help']);
    const listen = model.commands.find((c) => c.names[0] === 'listen')!;
    expect(listen.options.find((o) => o.flags.includes('--device'))!.value).toEqual({ kind: 'devices' });
    expect(listen.options.find((o) => o.flags.includes('--emulator-fault'))!.repeatable).toBe(true);
  });

  it('shortens descriptions to their first sentence, one line, without markdown quotes', () => {
    expect(shortDescription('send a typed request. More words follow')).toBe('send a typed request.');
    expect(shortDescription('see `clova-cli devices`\nsecond line')).toBe('see clova-cli devices');
    expect(shortDescription('x'.repeat(100))).toHaveLength(72);
  });
});

describe('the bash script follows whatever the program declares', () => {
  const script = bashScript(completionModel(programWithExtraCommand(), values), '0.0.0');
  const complete = (line: string): string[] => bashComplete(script, line).reply;

  it('completes a command added to the program, by its name and its alias, and its nested commands', () => {
    expect(complete('clova-cli zz')).toEqual(['zzz-probe']);
    expect(complete('clova-cli zzz-probe --fl')).toEqual(['--flavour']);
    expect(complete('clova-cli zp --flavour s')).toEqual(['sweet', 'sour']);
    expect(complete('clova-cli zzz-probe --inject ')).toEqual(['boom', 'delay=']);
    expect(complete('clova-cli zzz-probe --inject boom --inject d')).toEqual(['delay=']);
    expect(complete('clova-cli zp inner ')).toEqual(['fast', 'slow']);
    expect(complete('clova-cli zzz-probe --flavour sour inner f')).toEqual(['fast']);
  });

  it('does not offer hidden options', () => {
    expect(complete('clova-cli zzz-probe --se')).toEqual([]);
  });
});

describe('the zsh and fish scripts quote what the program says', () => {
  it("escapes quotes and _arguments' special characters in descriptions", () => {
    const model = completionModel(programWithExtraCommand(), values);
    const zsh = zshScript(model, '0');
    expect(zsh).toContain(`'zzz-probe:a command the generator has never heard of (it'\\''s new)'`);
    expect(zsh).toContain(`'*--inject=[a fault]:value:_clova_cli_values_`);
    expect(zsh).toContain(`'--level=-[optional value]::value:_files'`);
    const fish = fishScript(model, '0');
    expect(fish).toContain(`-a 'zzz-probe' -d 'a command the generator has never heard of (it\\'s new)'`);
  });
});
