import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emulator, TOKEN } from '../helpers/emulator.js';
import { startEmulatorCommand } from '../helpers/emulator-command.js';
import { COLUMNS, processesWithEnv, screenOf, SCRIPT, stripAnsi, terminalSession, type TerminalSession } from '../helpers/terminal.js';

const ENTER = '\r';
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const UP = '\u001b[A';
/** The idle prompt as readline draws it, colours removed. */
const PROMPT = 'clova › ';
const HELLO_ANSWER = 'CLOVA: Hello! Nice to meet you.';
const TIME_ANSWER = /CLOVA: It is \d{1,2}:\d\d [AP]M\./;
const ARMED = '(to end the session, press Ctrl-C again, Ctrl-D, or type /quit)';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh $XDG_STATE_HOME (where the history lives). */
function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'clova-chat-tty-'));
}

/**
 * `clova-cli chat` on a pseudo-terminal (speech not played unless a --player is given); `after`
 * runs on the same terminal once it has exited. Killed at the end of the test if still running.
 */
function chat(args: string[], env: Record<string, string>, after?: string): TerminalSession {
  const s = terminalSession(['chat', ...(args.includes('--player') ? [] : ['--no-play']), ...args], env, { lifetimeMs: 45000, ...(after ? { after } : {}) });
  cleanups.push(() => s.kill());
  return s;
}

/**
 * `clova-cli chat --server` (a token in CLOVA_ACCESS_TOKEN) with a separate `clova-cli emulator`,
 * by default one that pushes a Notifier.Notify every second from each Hello on.
 */
async function chatWithEmulator(emulatorArgs = ['--push-every', '1']): Promise<TerminalSession> {
  const token = 'tok-chat-tty-3b7e91';
  const emu = startEmulatorCommand([...emulatorArgs, '--token', token]);
  cleanups.push(() => emu.stop());
  const { url } = await emu.ready;
  return chat(['--server', url], { CLOVA_ACCESS_TOKEN: token, XDG_STATE_HOME: stateDir() });
}

/** Waits for the `connected` line and the idle prompt after it; resolves with the offset past the prompt. */
async function promptAfterConnect(s: TerminalSession): Promise<number> {
  const at = await s.waitFor(/clova-cli: connected to http:\/\/127\.0\.0\.1:\d+\r?\n/);
  return s.waitFor(PROMPT, at);
}

/** The arguments a process was started with. */
function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return []; // gone
  }
}

/** The terminal's settings after the session: `stty -a` output (raw mode would show -icanon -echo). */
const STTY = 'echo "stty after: $(stty -a | tr -s "\\n" " ")"';

/** Checks that the terminal was given back in cooked mode, line editing and echo on. */
function expectCookedTerminal(raw: string): void {
  const stty = /stty after: (.*)/.exec(stripAnsi(raw))?.[1];
  expect(stty, 'the stty line after the session').toBeDefined();
  expect(stty).toMatch(/(^|\s)icanon(\s|$)/);
  expect(stty).toMatch(/(^|\s)echo(\s|$)/);
}

describe.skipIf(!SCRIPT)('clova-cli chat on a pseudo-terminal (e2e)', () => {
  it('shows the prompt after the connected line and draws it on the last row, the cursor after it', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir() });
    const at = await promptAfterConnect(s);
    // The prompt is coloured (a terminal, no NO_COLOR) and goes to the terminal at column 1.
    expect(s.raw()).toMatch(/\u001b\[1G\u001b\[0J\u001b\[36mclova\u001b\[39m \u001b\[36m›\u001b\[39m /);
    const screen = screenOf(s.raw().slice(0, at));
    expect(screen.rows).toEqual([expect.stringMatching(/^clova-cli: connected to http:\/\/127\.0\.0\.1:\d+$/), 'clova ›']);
    expect([screen.row, screen.col]).toEqual([1, PROMPT.length]);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
  });

  it('without colour (NO_COLOR) the prompt is plain text and the session works', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir(), NO_COLOR: '1' });
    let at = await promptAfterConnect(s);
    s.type(`hello${ENTER}`);
    at = await s.waitFor(HELLO_ANSWER, at);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
    expect(s.raw()).toContain(`\u001b[1G\u001b[0J${PROMPT}`);
    expect(s.raw()).not.toMatch(/\u001b\[[\d;]*m/); // no colour anywhere
  });

  it('clova-cli with no command on a terminal is the session (with CLOVA_CIC_URL and a token)', async () => {
    const emu = await emulator();
    const s = terminalSession([], { CLOVA_CIC_URL: emu.url, CLOVA_ACCESS_TOKEN: TOKEN, XDG_STATE_HOME: stateDir() }, { lifetimeMs: 45000 });
    cleanups.push(() => s.kill());
    let at = await promptAfterConnect(s);
    s.type(`/status${ENTER}`);
    at = await s.waitFor(new RegExp(`server +${emu.url.replace(/[.]/g, '\\.')}`), at);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
    expect(emu.record.connections).toHaveLength(1);
  });

  it('prints a push above a half-typed line, which survives: "hel" + push + "lo" is answered as "hello"', async () => {
    const s = await chatWithEmulator();
    let at = await promptAfterConnect(s);
    s.type('hel');
    at = await s.waitFor('hel', at);
    // A push arrives while "hel" waits at the prompt: printed above it, the prompt redrawn with "hel".
    at = await s.waitFor('Notifier.Notify: new notification', at);
    // The redraw: back to column 1, erase down, the coloured prompt, "hel", the cursor after it.
    at = await s.waitForRaw(/\r\n\u001b\[1G\u001b\[0J\u001b\[36mclova\u001b\[39m \u001b\[36m›\u001b\[39m hel\u001b\[12G/, at);
    const screen = screenOf(s.raw().slice(0, at));
    expect(screen.rows.at(-1)).toBe('clova › hel');
    expect(screen.rows.at(-2)).toMatch(/^ {2}· Notifier\.Notify: new notification .*\(downchannel\)$/);
    expect([screen.row, screen.col]).toEqual([screen.rows.length - 1, `${PROMPT}hel`.length]);
    // Above the prompt only whole lines: the connected line and pushes, no leftover prompt.
    expect(screen.rows.slice(1, -1).length).toBeGreaterThan(0);
    for (const row of screen.rows.slice(1, -1)) expect(row).toMatch(/^ {2}· Notifier\.Notify: new notification/);

    s.type(`lo${ENTER}`);
    at = await s.waitFor(HELLO_ANSWER, at);
    const text = stripAnsi(s.raw());
    expect(text).not.toMatch(/help with "(hel|lo)"/); // the line went out whole, once
    expect(screenOf(s.raw()).rows).toContain('clova › hello');
    // Pushes go on being shown after the turn, the session idle at the prompt.
    at = await s.waitFor(PROMPT, at);
    await s.waitFor('Notifier.Notify', at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
  });

  it('reconnecting and connected lines are printed above a half-typed line, which survives', async () => {
    const s = await chatWithEmulator(['--fault', 'drop-downchannel-after=1']);
    let at = await promptAfterConnect(s);
    s.type('hel');
    at = await s.waitFor('hel', at);
    at = await s.waitFor('clova-cli: reconnecting… (downchannel ended)', at);
    at = await s.waitFor(/clova-cli: connected to http:\/\/127\.0\.0\.1:\d+ \(reconnect \d+\)/, at);
    at = await s.waitForRaw('hel\u001b[12G', at);
    const screen = screenOf(s.raw().slice(0, at));
    expect(screen.rows.at(-1)).toBe('clova › hel');
    for (const row of screen.rows.slice(1, -1)) expect(row).toMatch(/^clova-cli: (reconnecting… \(downchannel ended\)|connected to .* \(reconnect \d+\))$/);
    s.type(`lo${ENTER}`);
    at = await s.waitFor(HELLO_ANSWER, at);
    expect(stripAnsi(s.raw())).not.toMatch(/help with "(hel|lo)"/);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
  });

  it('keeps the history across sessions: the up arrow in a second session recalls and sends the line', async () => {
    const state = stateDir();
    const first = chat(['--emulator'], { XDG_STATE_HOME: state });
    let at = await promptAfterConnect(first);
    first.type(`what time is it${ENTER}`);
    at = await first.waitFor(TIME_ANSWER, at);
    await first.waitFor(PROMPT, at);
    first.type(CTRL_D);
    expect(await first.exited).toBe(0);

    const file = join(state, 'clova-cli', 'history');
    expect(readFileSync(file, 'utf8')).toBe('what time is it\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = chat(['--emulator'], { XDG_STATE_HOME: state });
    at = await promptAfterConnect(second);
    second.type(UP);
    at = await second.waitFor('what time is it', at);
    expect(screenOf(second.raw().slice(0, at)).rows.at(-1)).toBe('clova › what time is it');
    second.type(ENTER);
    at = await second.waitFor(TIME_ANSWER, at);
    await second.waitFor(PROMPT, at);
    second.type(CTRL_D);
    expect(await second.exited).toBe(0);
    // Sent again, kept once (duplicates are removed), still private.
    expect(readFileSync(file, 'utf8')).toBe('what time is it\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('Ctrl-C cancels a slow turn: "turn cancelled", the prompt back, its answer never shown; the session goes on; Ctrl-D exits 0', async () => {
    // Every answer takes 5 s: long enough to press Ctrl-C while the first one is awaited.
    const s = chat(['--emulator', '--emulator-fault', 'event-delay=5000'], { XDG_STATE_HOME: stateDir() }, STTY);
    let at = await promptAfterConnect(s);
    s.type(`hello${ENTER}`);
    at = await s.waitFor('… thinking › ', at);
    s.type(CTRL_C);
    at = await s.waitFor('clova-cli: turn cancelled with Ctrl-C', at);
    at = await s.waitFor(PROMPT, at);
    expect(screenOf(s.raw().slice(0, at)).rows.slice(-3)).toEqual(['clova › hello', 'clova-cli: turn cancelled with Ctrl-C', 'clova ›']);

    // The session takes commands and turns after it.
    s.type(`/status${ENTER}`);
    at = await s.waitFor(/connection +connected/, at);
    at = await s.waitFor(/state +idle/, at);
    s.type(`what time is it${ENTER}`);
    at = await s.waitFor(TIME_ANSWER, at, 20000);
    // The cancelled turn's answer (due before this one) was never shown.
    expect(stripAnsi(s.raw())).not.toContain(HELLO_ANSWER);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
    expectCookedTerminal(s.raw());
  });

  it('Ctrl-C while the answer is spoken stops the speech and gives the prompt back; a line typed over speech interrupts it', async () => {
    const player = join(stateDir(), 'slow-player.sh');
    writeFileSync(player, '#!/bin/sh\ncat > /dev/null\nexec sleep 30\n'); // "plays" for 30 s
    chmodSync(player, 0o755);
    const s = chat(['--emulator', '--player', player], { XDG_STATE_HOME: stateDir() });
    let at = await promptAfterConnect(s);
    s.type(`hello${ENTER}`);
    at = await s.waitFor('♪ speaking › ', await s.waitFor(HELLO_ANSWER, at));
    s.type(CTRL_C);
    at = await s.waitFor(PROMPT, await s.waitFor('clova-cli: speech stopped: cancelled with Ctrl-C', at));
    expect(screenOf(s.raw().slice(0, at)).rows.at(-1)).toBe('clova ›');
    s.type(`what time is it${ENTER}`);
    at = await s.waitFor('♪ speaking › ', await s.waitFor(TIME_ANSWER, at));
    s.type(`hello${ENTER}`);
    at = await s.waitFor(HELLO_ANSWER, await s.waitFor('clova-cli: speech stopped: interrupted by a new request', at));
    s.type(`/stop${ENTER}`);
    at = await s.waitFor(PROMPT, await s.waitFor('clova-cli: speech stopped: stopped with /stop', at));
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
  });

  it('SIGTERM ends the session with exit 143, its error on a row of its own, the terminal given back', async () => {
    const state = stateDir();
    const s = chat(['--emulator'], { XDG_STATE_HOME: state }, STTY);
    let at = await promptAfterConnect(s);
    s.type('hel');
    at = await s.waitFor('hel', at);
    const [cli, ...others] = processesWithEnv(state).filter((pid) => cmdline(pid)[0] === process.execPath);
    expect(others).toEqual([]);
    process.kill(cli!, 'SIGTERM');
    expect(await s.exited).toBe(143);
    const rows = screenOf(s.raw()).rows;
    const error = rows.findIndex((r) => r.includes('terminated (SIGTERM)'));
    expect(rows[error]).toBe('clova-cli: error: terminated (SIGTERM); nothing more was sent');
    expect(rows.slice(0, error)).toEqual([expect.stringMatching(/^clova-cli: connected to /)]); // the prompt erased
    expectCookedTerminal(s.raw());
  });

  it('Ctrl-C on an empty prompt asks for a second one, which ends the session with exit 0', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir() }, STTY);
    let at = await promptAfterConnect(s);
    s.type(CTRL_C);
    at = await s.waitFor(ARMED, at);
    at = await s.waitFor(PROMPT, at);
    expect(s.ended()).toBe(false);
    expect(screenOf(s.raw().slice(0, at)).rows.slice(-2)).toEqual([`  ${ARMED}`, 'clova ›']);
    s.type(CTRL_C);
    expect(await s.exited).toBe(0);
    expectCookedTerminal(s.raw());
  });

  it('Ctrl-C with a half-typed line clears the line, and does not arm the exit', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir() });
    let at = await promptAfterConnect(s);
    s.type('what time');
    at = await s.waitFor('what time', at);
    s.type(CTRL_C);
    await expect.poll(() => screenOf(s.raw()).rows.at(-1), { timeout: 15000 }).toBe('clova ›');
    expect(stripAnsi(s.raw())).not.toContain(ARMED);
    s.type(`hello${ENTER}`);
    at = await s.waitFor(HELLO_ANSWER, at);
    expect(stripAnsi(s.raw())).not.toMatch(/help with "what time/);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
  });

  it('Ctrl-D on an empty prompt ends the session with exit 0, the terminal given back', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir() }, STTY);
    await promptAfterConnect(s);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
    expectCookedTerminal(s.raw());
  });

  it('/quit ends the session with exit 0', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir() }, STTY);
    const at = await promptAfterConnect(s);
    s.type(`/quit${ENTER}`);
    expect(await s.exited).toBe(0);
    expect(stripAnsi(s.raw().slice(at))).not.toMatch(/error/);
    expectCookedTerminal(s.raw());
  });

  it('an unknown command is one line, and the session goes on', async () => {
    const s = chat(['--emulator'], { XDG_STATE_HOME: stateDir() });
    let at = await promptAfterConnect(s);
    s.type(`/frobnicate${ENTER}`);
    at = await s.waitFor(PROMPT, await s.waitFor('unknown command', at));
    const rows = screenOf(s.raw().slice(0, at)).rows;
    const typed = rows.lastIndexOf('clova › /frobnicate');
    expect(rows.slice(typed)).toEqual(['clova › /frobnicate', 'clova-cli: error: unknown command /frobnicate: /help lists the commands', 'clova ›']);
    s.type(`hello${ENTER}`);
    at = await s.waitFor(HELLO_ANSWER, at);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0); // a usage slip at the prompt is not the session's exit status
  });

  it('a half-typed line longer than the terminal is wide wraps; pushes printed above it keep both rows whole and the cursor where it was', async () => {
    const s = await chatWithEmulator();
    let at = await promptAfterConnect(s);
    const line = `tell me a story ${'and more '.repeat(13)}till the end`; // no intent: the answer quotes it
    const whole = `${PROMPT}${line}`;
    expect(whole.length).toBeGreaterThan(COLUMNS); // two rows
    const twoRows = [whole.slice(0, COLUMNS), whole.slice(COLUMNS)];
    s.type(line);
    at = await s.waitFor('till the end', at);
    // A push: the cursor goes back to the end of the line, on the second row.
    at = await s.waitFor('Notifier.Notify: new notification', at);
    at = await s.waitForRaw(`till the end\u001b[${whole.length - COLUMNS + 1}G`, at);
    let screen = screenOf(s.raw().slice(0, at));
    expect(screen.rows.slice(-2)).toEqual(twoRows);
    expect([screen.row, screen.col]).toEqual([screen.rows.length - 1, whole.length - COLUMNS]);
    for (const row of screen.rows.slice(1, -2)) expect(row).toMatch(/^ {2}· Notifier\.Notify: new notification/);

    // Ctrl-A (the start of the line, on the first row), then a push: the cursor goes back up there.
    s.type('\u0001');
    at = await s.waitForRaw(`\u001b[${PROMPT.length + 1}G`, at);
    at = await s.waitFor('Notifier.Notify: new notification', at);
    at = await s.waitForRaw(`till the end\u001b[${PROMPT.length + 1}G\u001b[1A`, at);
    screen = screenOf(s.raw().slice(0, at));
    expect(screen.rows.slice(-2)).toEqual(twoRows);
    expect([screen.row, screen.col]).toEqual([screen.rows.length - 2, PROMPT.length]);
    for (const row of screen.rows.slice(1, -2)) expect(row).toMatch(/^ {2}· Notifier\.Notify: new notification/);

    // What is typed now goes in at the start; the whole line goes out. One key at a time, as a person
    // types (Node 20's readline misplaces several characters that arrive at once in mid-line).
    for (const typed of ['o', 'oh', 'oh ']) {
      s.type(typed.at(-1)!);
      at = await s.waitFor(`${PROMPT}${typed}tell me`, at);
    }
    s.type(ENTER);
    at = await s.waitFor(`CLOVA: Sorry, I don't know how to help with "oh ${line}" yet.`, at);
    await s.waitFor(PROMPT, at);
    s.type(CTRL_D);
    expect(await s.exited).toBe(0);
  });
});
