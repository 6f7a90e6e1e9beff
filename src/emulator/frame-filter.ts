/** Length of the HTTP/2 client connection preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`. */
const PREFACE_LENGTH = 24;
const FRAME_HEADER_LENGTH = 9;
const TYPE_PING = 0x6;
const FLAG_ACK = 0x1;

/**
 * Follows the client-to-server byte stream of an HTTP/2 connection frame by frame and can drop
 * client PING frames (not their ACKs), which Node's HTTP/2 stack would otherwise acknowledge
 * automatically. Everything else passes through unchanged; large frames are not buffered.
 */
export class PingFrameFilter {
  private prefaceLeft = PREFACE_LENGTH;
  private header = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headerFill = 0;
  private passLeft = 0;
  private dropLeft = 0;
  private readonly onPing: () => boolean;

  /** `onPing` is called for every client PING (ACK clear); it returns true to drop that frame. */
  constructor(onPing: () => boolean) {
    this.onPing = onPing;
  }

  /** Returns the bytes of `chunk` that should reach the server. */
  filter(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, chunk.length - off);
        out.push(chunk.subarray(off, off + n));
        this.prefaceLeft -= n;
        off += n;
      } else if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, chunk.length - off);
        out.push(chunk.subarray(off, off + n));
        this.passLeft -= n;
        off += n;
      } else if (this.dropLeft > 0) {
        const n = Math.min(this.dropLeft, chunk.length - off);
        this.dropLeft -= n;
        off += n;
      } else {
        const n = Math.min(FRAME_HEADER_LENGTH - this.headerFill, chunk.length - off);
        chunk.copy(this.header, this.headerFill, off, off + n);
        this.headerFill += n;
        off += n;
        if (this.headerFill < FRAME_HEADER_LENGTH) break;
        this.headerFill = 0;
        const h = this.header;
        const length = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
        const isClientPing = h[3] === TYPE_PING && (h[4]! & FLAG_ACK) === 0;
        if (isClientPing && this.onPing()) {
          this.dropLeft = length;
        } else {
          out.push(Buffer.from(h));
          this.passLeft = length;
        }
      }
    }
    return out;
  }
}
