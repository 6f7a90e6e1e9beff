/** What one line typed into `chat` asks for. */
export type ChatInput =
  | { kind: 'text'; text: string }
  | { kind: 'talk' }
  | { kind: 'command'; name: ChatCommandName; argument: string }
  | { kind: 'unknown'; name: string };

/** The session's commands, in the order /help lists them. */
export const CHAT_COMMANDS = {
  help: 'this list',
  talk: 'a voice turn from the microphone (an empty line does the same on a terminal)',
  stop: 'stop what is in the foreground: speech (SpeechStopped is reported), else a ringing alert (RequestAlertStop), else music (PlayStopped)',
  pause: 'the pause button: CLOVA decides (PlaybackController.PauseCommandIssued)',
  resume: 'the play button: CLOVA decides (ResumeCommandIssued)',
  next: 'the next button: CLOVA decides (NextCommandIssued)',
  prev: 'the previous button: CLOVA decides (PreviousCommandIssued)',
  volume: '[0-10]: show the volume, or set it: the level speech, music and alarms play at, reported in Speaker.VolumeState, kept for the next session',
  mute: 'mute the speaker (everything plays silent; reported in Speaker.VolumeState)',
  unmute: 'unmute the speaker',
  status: 'connection, server, token expiry, volume, what is playing (speech, music), alarms, notifications',
  quit: 'end the session (Ctrl-D does the same)',
} as const;

export type ChatCommandName = keyof typeof CHAT_COMMANDS;

/** Commands that act at once, even while a turn is in flight (the others wait their turn). */
export const IMMEDIATE: ReadonlySet<ChatCommandName> = new Set(['help', 'stop', 'pause', 'resume', 'next', 'prev', 'volume', 'mute', 'unmute', 'status', 'quit']);

/**
 * Parses a typed line: `/name [argument]` is a command, an empty line (on a terminal) a voice turn,
 * anything else text to send. `//text` sends "/text" (a way to say something that starts with a slash).
 */
export function parseChatLine(line: string): ChatInput {
  const text = line.trim();
  if (text.length === 0) return { kind: 'talk' };
  if (text.startsWith('//')) return { kind: 'text', text: text.slice(1) };
  if (!text.startsWith('/')) return { kind: 'text', text };
  const space = text.search(/\s/);
  const name = (space === -1 ? text.slice(1) : text.slice(1, space)).toLowerCase();
  const argument = space === -1 ? '' : text.slice(space).trim();
  if (name === 'talk') return { kind: 'talk' };
  if (Object.hasOwn(CHAT_COMMANDS, name)) return { kind: 'command', name: name as ChatCommandName, argument };
  return { kind: 'unknown', name };
}

/** The /help text, one command a line. */
export function chatHelp(): string[] {
  return Object.entries(CHAT_COMMANDS).map(([name, what]) => `/${name}${what.startsWith('[') ? ' ' : ' - '}${what}`);
}
