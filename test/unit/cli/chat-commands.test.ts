import { describe, expect, it } from 'vitest';
import { CHAT_COMMANDS, chatHelp, IMMEDIATE, parseChatLine } from '../../../src/cli/chat/commands.js';

describe('parseChatLine', () => {
  it('an empty or blank line is a voice turn (an empty line at the prompt talks)', () => {
    expect(parseChatLine('')).toEqual({ kind: 'talk' });
    expect(parseChatLine('   \t ')).toEqual({ kind: 'talk' });
  });

  it('anything else that does not start with a slash is text to send, trimmed', () => {
    expect(parseChatLine('hello')).toEqual({ kind: 'text', text: 'hello' });
    expect(parseChatLine('  what time is it \t')).toEqual({ kind: 'text', text: 'what time is it' });
    expect(parseChatLine('오늘 날씨 어때')).toEqual({ kind: 'text', text: '오늘 날씨 어때' });
    // A slash later in the line is text too.
    expect(parseChatLine('either/or')).toEqual({ kind: 'text', text: 'either/or' });
  });

  it('/talk is a voice turn, whatever its case or what follows it', () => {
    expect(parseChatLine('/talk')).toEqual({ kind: 'talk' });
    expect(parseChatLine('  /TALK  ')).toEqual({ kind: 'talk' });
    expect(parseChatLine('/talk now')).toEqual({ kind: 'talk' });
  });

  it('each other command is recognised, case-insensitively, with an empty argument when none is given', () => {
    for (const name of Object.keys(CHAT_COMMANDS).filter((n) => n !== 'talk')) {
      expect(parseChatLine(`/${name}`)).toEqual({ kind: 'command', name, argument: '' });
      expect(parseChatLine(` /${name.toUpperCase()} `)).toEqual({ kind: 'command', name, argument: '' });
    }
  });

  it('the argument is the rest of the line after the first blank, trimmed', () => {
    expect(parseChatLine('/volume 3')).toEqual({ kind: 'command', name: 'volume', argument: '3' });
    expect(parseChatLine('/volume\t  7  ')).toEqual({ kind: 'command', name: 'volume', argument: '7' });
    expect(parseChatLine('/Volume ten or so')).toEqual({ kind: 'command', name: 'volume', argument: 'ten or so' });
    // No blank: the digits are part of the name, which is then unknown.
    expect(parseChatLine('/volume3')).toEqual({ kind: 'unknown', name: 'volume3' });
  });

  it('an unknown command is named (lower case), so that the session can say which', () => {
    expect(parseChatLine('/foo')).toEqual({ kind: 'unknown', name: 'foo' });
    expect(parseChatLine('/Exit now')).toEqual({ kind: 'unknown', name: 'exit' });
    expect(parseChatLine('/')).toEqual({ kind: 'unknown', name: '' });
  });

  it("names of Object.prototype's members are not commands", () => {
    for (const name of ['constructor', 'tostring', 'hasownproperty', '__proto__', 'valueof']) {
      expect(parseChatLine(`/${name}`)).toEqual({ kind: 'unknown', name });
    }
  });

  it('a double slash sends the rest as text, its first slash kept', () => {
    expect(parseChatLine('//help')).toEqual({ kind: 'text', text: '/help' });
    expect(parseChatLine('  //usr/bin is a folder ')).toEqual({ kind: 'text', text: '/usr/bin is a folder' });
    expect(parseChatLine('//')).toEqual({ kind: 'text', text: '/' });
  });
});

describe('chatHelp', () => {
  it('lists every command once, in the order of CHAT_COMMANDS, one line each', () => {
    const lines = chatHelp();
    const names = Object.keys(CHAT_COMMANDS);
    expect(lines).toHaveLength(names.length);
    expect(lines.map((l) => /^\/(\w+)/.exec(l)?.[1])).toEqual(names);
    for (const l of lines) expect(l).not.toContain('\n');
  });

  it('the commands the issue asks for are all there', () => {
    const lines = chatHelp().join('\n');
    for (const name of ['help', 'talk', 'stop', 'volume', 'mute', 'unmute', 'status', 'quit']) expect(lines).toMatch(new RegExp(`^/${name} `, 'm'));
  });

  it('a command with an argument shows it after the name; the others are "name - what it does"', () => {
    const lines = chatHelp();
    expect(lines).toContain(`/volume ${CHAT_COMMANDS.volume}`);
    expect(lines.find((l) => l.startsWith('/volume'))).toMatch(/^\/volume \[0-10\]: /);
    expect(lines).toContain(`/help - ${CHAT_COMMANDS.help}`);
    expect(lines).toContain(`/quit - ${CHAT_COMMANDS.quit}`);
  });

  it('every command but /talk acts at once during a turn (IMMEDIATE), and each is a known command', () => {
    for (const name of IMMEDIATE) expect(Object.hasOwn(CHAT_COMMANDS, name)).toBe(true);
    expect(IMMEDIATE.has('talk')).toBe(false);
    expect(IMMEDIATE.size).toBe(Object.keys(CHAT_COMMANDS).length - 1);
  });
});
