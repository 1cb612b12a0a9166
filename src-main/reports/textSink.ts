import { open, type FileHandle } from 'node:fs/promises';

const SIZE = 4 << 20;

/**
 * Buffered UTF-8 output to a file: text is encoded straight into a 4 MB buffer (no joining of
 * strings), written when full. Two buffers alternate so encoding continues while one is written.
 */
export class TextSink {
  private file: FileHandle | undefined;
  private buf = Buffer.allocUnsafe(SIZE);
  private spare = Buffer.allocUnsafe(SIZE);
  private at = 0;
  private pending: Promise<unknown> = Promise.resolve();
  bytes = 0;

  private constructor(private readonly path: string) {}

  static async open(path: string): Promise<TextSink> {
    const sink = new TextSink(path);
    sink.file = await open(path, 'w');
    return sink;
  }

  /** Queues text; returns true when the caller should await flush(). */
  write(text: string): boolean {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8. Text that may not fit waits, in order, for flush().
    if (this.overflow.length || this.at + text.length * 3 > SIZE) {
      this.overflow.push(text);
      return true;
    }
    this.at += this.buf.write(text, this.at, 'utf8');
    return this.at > SIZE / 2;
  }

  private overflow: (string | Uint8Array)[] = [];

  /** Queues encoded bytes (copied); returns true when the caller should await flush(). */
  writeBytes(bytes: Uint8Array): boolean {
    if (this.overflow.length || this.at + bytes.length > SIZE) {
      this.overflow.push(bytes.slice());
      return true;
    }
    if (bytes.length < 16) for (let i = 0; i < bytes.length; i++) this.buf[this.at + i] = bytes[i];
    else this.buf.set(bytes, this.at);
    this.at += bytes.length;
    return this.at > SIZE / 2;
  }

  /** Whether `n` more bytes fit now; when not, await flush() before put(). */
  fits(n: number): boolean {
    return !this.overflow.length && this.at + n <= SIZE;
  }

  /** Copies bytes the caller made room for with fits(); returns true when the caller should await flush(). */
  put(bytes: Uint8Array): boolean {
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
    return this.at > SIZE / 2;
  }

  /** One byte (a separator); the caller leaves room by flushing when write*() asks. */
  writeByte(byte: number): void {
    if (this.overflow.length || this.at >= SIZE) this.overflow.push(Uint8Array.of(byte));
    else this.buf[this.at++] = byte;
  }

  private swap(): void {
    if (!this.at) return;
    const full = this.buf.subarray(0, this.at);
    this.bytes += this.at;
    const file = this.file!;
    const previous = this.pending;
    this.pending = previous.then(() => writeAll(file, full));
    [this.buf, this.spare] = [this.spare, this.buf];
    this.at = 0;
  }

  async flush(): Promise<void> {
    // The spare buffer may still be being written: wait for it before reusing it.
    await this.pending;
    this.swap();
    for (const text of this.overflow.splice(0)) {
      await this.pending;
      const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.length);
      this.bytes += b.length;
      this.pending = writeAll(this.file!, b);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.pending;
    await this.file!.close();
  }

  destroy(): void {
    void this.file?.close().catch(() => undefined);
  }
}

async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; ) at += (await file.write(data, at, data.length - at)).bytesWritten;
}
