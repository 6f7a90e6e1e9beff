import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emulator, TOKEN } from '../../helpers/emulator.js';

const dist = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));

describe('CicClient: a server reset in the middle of an upload', () => {
  // Regression: destroying the session in the same tick as the server's RST_STREAM of a stream with
  // request data still queued made Node 20 spin forever inside its own RST_STREAM submission. It runs
  // in a child process, because a spinning worker could not even time out.
  it('close() right after the failed upload returns, and the process exits', async () => {
    const emu = await emulator({ faults: ['reset-recognize=200'] });
    const script = join(mkdtempSync(join(tmpdir(), 'clova-reset-')), 'reset.mjs');
    writeFileSync(
      script,
      `import { CicClient } from ${JSON.stringify(dist)};
const client = new CicClient({ url: process.argv[2], token: ${JSON.stringify(TOKEN)}, userAgent: 'clova-cli/clova-cli/0.1.0 (Linux 6.1;x64)' });
await client.connect();
async function* audio() { for (let i = 0; i < 500; i++) yield Buffer.alloc(6400, 1); }
for (let i = 0; i < 20; i++) {
  try {
    await client.recognize(audio(), { lang: 'en' });
    console.log('answered');
  } catch (err) {
    if (i === 19) { await client.close(); console.log('failed:', err.message); }
  }
}
`,
    );
    const child = spawn(process.execPath, [script, emu.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(out).toMatch(/failed: the server reset the SpeechRecognizer\.Recognize request \(RST_STREAM code 2\)/);
    expect(code).toBe(0);
  });
});
