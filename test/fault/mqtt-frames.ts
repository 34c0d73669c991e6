/**
 * Cuts a TCP byte stream into whole MQTT control packets (fixed header + remaining length, MQTT 5
 * §2.1), keeping each packet's bytes as they came, so the proxy can forward an untouched packet
 * byte for byte and hand a copy to the parser.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Appends `chunk` and returns every packet it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Buffer[] = [];
    for (;;) {
      const length = frameLength(this.pending);
      if (length === undefined || this.pending.length < length) break;
      frames.push(this.pending.subarray(0, length));
      this.pending = this.pending.subarray(length);
    }
    return frames;
  }
}

export class MalformedFrame extends Error {
  override readonly name = 'MalformedFrame';
}

/** The whole packet's length, or undefined while its header is incomplete. */
function frameLength(buf: Buffer): number | undefined {
  let remaining = 0;
  // The remaining length is a variable byte integer of at most four bytes (MQTT 5 §1.5.5).
  for (let i = 1; i <= 4; i += 1) {
    if (buf.length <= i) return undefined;
    const byte = buf[i]!;
    remaining += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) return 1 + i + remaining;
  }
  throw new MalformedFrame('remaining length longer than four bytes');
}
