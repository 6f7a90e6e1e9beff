import { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { ReceivedDirective } from '../../../src/client/client.js';
import { HumanRenderer } from '../../../src/cli/output/human.js';
import { JsonRenderer } from '../../../src/cli/output/json.js';
import { OutputGuard } from '../../../src/cli/output/guarded-output.js';
import { buildDirective } from '../../../src/protocol/messages.js';
import { SecretRegistry } from '../../../src/protocol/redact.js';

/** A stream that keeps what reached it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const TOKEN = 'tok-guard-0f1e2d3c';

describe('OutputGuard', () => {
  it('redacts strings, bytes and strings in other encodings on every write', async () => {
    const secrets = new SecretRegistry();
    secrets.add(TOKEN);
    const out = sink();
    const guard = new OutputGuard(secrets);
    guard.install([out.stream]);
    out.stream.write(`a ${TOKEN}\n`);
    out.stream.write(Buffer.from(`b ${TOKEN}\n`));
    out.stream.write(Buffer.from(`c ${TOKEN}\n`).toString('hex'), 'hex');
    await new Promise<void>((r) => out.stream.write('', () => r()));
    expect(out.text()).toBe('a [REDACTED]\nb [REDACTED]\nc [REDACTED]\n');
    guard.uninstall();
  });

  it('once sealed, lets only pure terminal control through (a cursor being restored) and still calls back', async () => {
    const out = sink();
    const guard = new OutputGuard(new SecretRegistry());
    guard.install([out.stream]);
    out.stream.write('final line\n');
    guard.seal();
    const called = await new Promise<boolean>((r) => out.stream.write('⠋ waiting for CLOVA…', () => r(true)));
    out.stream.write('\r\u001b[2K');
    out.stream.write('\u001b[?25h');
    out.stream.write('clova-cli: late notice\n');
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(true);
    expect(out.text()).toBe('final line\n\r\u001b[2K\u001b[?25h');
    guard.uninstall();
  });
});

describe('renderers after close()', () => {
  const directive: ReceivedDirective = { source: 'event', connectionId: 1, message: buildDirective('Clova', 'RenderText', { text: 'late' }) };

  it('HumanRenderer draws nothing more: no line, no notice, no spinner', () => {
    let written = '';
    let spinners = 0;
    const r = new HumanRenderer(
      (s) => (written += s),
      (s) => (written += s),
      new Chalk({ level: 0 }),
      () => {
        spinners++;
        throw new Error('no spinner may start after close');
      },
      { out: true, err: true },
    );
    r.close();
    r.directive(directive);
    r.notice('connection lost: reconnecting');
    r.capture({ phase: 'stop', detail: 'interrupted', seconds: 1 });
    r.uploaded();
    r.level({ rms: 0.1, peak: 0.5, dbfs: -20, clipped: false }, 1);
    r.hint('answer with clova-cli text');
    expect(written).toBe('');
    expect(spinners).toBe(0);
  });

  it('JsonRenderer writes no more lines', () => {
    let written = '';
    const r = new JsonRenderer(
      (s) => (written += s),
      (s) => (written += s),
    );
    r.close();
    r.directive(directive);
    r.notice('late');
    expect(written).toBe('');
  });
});
