import type { ChalkInstance } from 'chalk';
import type { Ora } from 'ora';
import type { EventResult, ReceivedDirective } from '../../client/client.js';
import type { AudioInfo } from '../../client/response-reader.js';
import { describeDirective } from './describe.js';
import type { Renderer, RequestInfo } from './renderer.js';

type Write = (line: string) => void;

/** Readable output: the answer text prominently, one line per other directive, a note per saved file. */
export class HumanRenderer implements Renderer {
  private spinner: Ora | undefined;

  constructor(
    private readonly out: Write,
    private readonly err: Write,
    private readonly color: ChalkInstance,
    private readonly makeSpinner: ((text: string) => Ora) | undefined,
  ) {}

  private stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  request(info: RequestInfo): void {
    this.stopSpinner();
    const c = this.color;
    this.out(`${c.dim(info.followUp ? '↪ you (follow-up):' : 'you:')} ${info.text}\n`);
    if (this.makeSpinner) this.spinner = this.makeSpinner('waiting for CLOVA…').start();
  }

  directive(d: ReceivedDirective): void {
    this.stopSpinner();
    const c = this.color;
    const dir = d.message.directive;
    const from = d.source === 'downchannel' ? c.dim(' (downchannel)') : '';
    if (dir.header.namespace === 'Clova' && dir.header.name === 'RenderText' && typeof dir.payload?.text === 'string') {
      this.out(`${c.bold.cyan('CLOVA:')} ${c.bold(dir.payload.text)}${from}\n`);
      return;
    }
    const mark = dir.header.namespace === 'System' ? c.red('!') : c.dim('·');
    this.out(`  ${mark} ${describeDirective(dir)}${from}\n`);
  }

  audio(a: AudioInfo): void {
    this.stopSpinner();
    const c = this.color;
    const size = `${a.bytes.toLocaleString('en-US')} bytes`;
    if (a.path !== undefined) this.out(`  ${c.green('♪')} speech saved: ${a.path} (${size})\n`);
    else this.out(`  ${c.dim('♪')} speech ${a.contentId} (${size}; use --save-audio <dir> to keep it)\n`);
  }

  response(r: EventResult): void {
    this.stopSpinner();
    if (r.status === 204) this.out(`  ${this.color.dim('· no directives (204 No Content)')}\n`);
  }

  notice(message: string): void {
    this.stopSpinner();
    this.err(`${this.color.yellow('clova-cli:')} ${message}\n`);
  }


  close(): void {
    this.stopSpinner();
  }
}
