import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAULT_TABLE } from '../../src/emulator/faults.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const envExample = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');

describe('documentation stays in step with the code', () => {
  it('the README lists every emulator fault', () => {
    for (const f of FAULT_TABLE) expect(readme).toContain(`| \`${f.name}${f.value}\``);
  });

  it('the README lists every option of the request commands', async () => {
    const { Command } = await import('commander');
    const { addRequestOptions } = await import('../../src/cli/request-options.js');
    const cmd = addRequestOptions(new Command('x'));
    for (const o of cmd.options) expect(readme).toContain(`\`${o.long}`);
  });

  it('the README lists every option of every command', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    for (const cmd of buildProgram().commands) {
      expect(readme, cmd.name()).toContain(`clova-cli ${cmd.name()}`);
      for (const o of cmd.options) expect(readme, `${cmd.name()} ${o.long}`).toContain(`\`${o.long}`);
    }
  });

  it('the README shows examples/library.mjs exactly as the file is (the e2e tests run the file)', () => {
    const example = readFileSync(new URL('../../examples/library.mjs', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Using it as a library'));
    const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(example);
  });

  it('--lang is documented for the voice commands, not for text or the shared options', () => {
    const shared = readme.slice(readme.indexOf('## Options of the request commands'), readme.indexOf('## Environment'));
    expect(shared).not.toContain('--lang');
    for (const cmd of ['recognize', 'listen']) {
      const section = readme.slice(readme.indexOf(`### \`clova-cli ${cmd}`));
      expect(section.slice(0, section.indexOf('\n### ', 5)), cmd).toContain('`--lang <ko\\|en\\|ja>`');
    }
  });

  it('.env.example and the README document every variable the CLI reads', () => {
    for (const v of ['CLOVA_ACCESS_TOKEN', 'CLOVA_CIC_URL', 'CLOVA_USER_AGENT']) {
      expect(envExample).toContain(v);
      expect(readme).toContain(v);
    }
  });

  it('the README gives the two fresh-machine commands', () => {
    expect(readme).toContain('npm ci && npx clova-cli text hello --emulator');
    expect(readme).toContain('npm ci && npm test');
  });

  it('the README installs exactly the Debian packages .ci/run installs, before the two commands', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const packages = /^\s*packages="([^"]+)"/m.exec(ci)?.[1];
    expect(packages).toBeTruthy();
    const install = readme.indexOf(`apt-get install -y --no-install-recommends ${packages}`);
    expect(install).toBeGreaterThan(0);
    expect(readme.lastIndexOf('apt-get update', install)).toBeGreaterThan(0);
    expect(install).toBeLessThan(readme.indexOf('npm ci && npx clova-cli text hello --emulator'));
  });
});
