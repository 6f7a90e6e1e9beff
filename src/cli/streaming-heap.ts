import v8 from 'node:v8';

let applied = false;

/**
 * Keeps V8's young generation at its starting size for the rest of the process. A voice upload
 * allocates hundreds of MB of short-lived buffers, and V8 would double its semi-spaces (up to 16 MB)
 * as it goes, so RSS rose by about 15 MB over the first minutes of audio however long the input;
 * with growth stopped it stays flat (docs/decisions.md, "A young generation that stays small").
 * Called when a voice turn starts, not at start-up: a V8 flag set before Node's built-in modules
 * load costs them their code cache (+8 ms on --version, +19 ms on text hello, measured).
 */
export function keepYoungGenerationSmall(): void {
  if (applied) return;
  applied = true;
  // Read by V8 each time it would grow the young generation; 1 means "do not grow".
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
