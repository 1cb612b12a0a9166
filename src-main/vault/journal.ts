import { segmentPath, SegmentWriter, type Segment } from './journalFile';
import { HeadWriter, writeHeadFresh, type JournalHead } from './journalHead';

/** Where the last read of the journal ended: its last segment, how much of it is whole, and whether a torn end follows. */
export interface JournalTail {
  readonly segment: Segment;
  readonly goodLength: number;
  readonly torn: boolean;
}

/**
 * The end of the journal a vault appends to: the last segment (opened on the first write, a torn
 * end cut off first) and journal.head, which says where the journal ends. A write is acknowledged
 * once the head says so; a vault opened before journal.head existed has no head until it is rewritten.
 */
export class JournalEnd {
  private writer: SegmentWriter | null = null;

  constructor(
    private readonly dir: string,
    private readonly vaultid: string,
    private tail: JournalTail,
    private headWriter: HeadWriter | null,
  ) {}

  /** The segment the next frames go to. */
  get segment(): Segment {
    return this.open().segment;
  }

  /** Appends frames (one write, one fdatasync), then records in the head where the journal now ends. */
  append(key: Buffer, plaintexts: readonly Buffer[], head: Omit<JournalHead, 'c' | 'segment'>): void {
    const writer = this.open();
    writer.append(key, this.vaultid, plaintexts);
    this.headWriter?.write(key, this.vaultid, { ...head, segment: writer.segment.start });
  }

  /** A snapshot covers frames up to `covered`: later frames go to a segment of their own. */
  startSegmentAfter(covered: number): void {
    if (this.open().segment.start === covered + 1) return;
    this.writer!.close();
    this.writer = new SegmentWriter({ start: covered + 1, path: segmentPath(this.dir, covered + 1) });
    this.tail = { segment: this.writer.segment, goodLength: 0, torn: false };
  }

  /** The head's record of which frame the snapshot covers. */
  recordSnapshot(key: Buffer, covered: number): void {
    const head = this.headWriter?.head;
    if (head) this.headWriter!.write(key, this.vaultid, { ...head, snapshot: covered });
  }

  /** Both slots of journal.head written afresh. */
  rewriteHead(key: Buffer, head: JournalHead): void {
    this.headWriter?.close();
    writeHeadFresh(this.dir, key, this.vaultid, head);
    this.headWriter = new HeadWriter(this.dir, head);
  }

  /** Stops writing the head (restore moved it aside): the next rewriteHead starts a new one. */
  dropHead(): void {
    this.headWriter?.close();
    this.headWriter = null;
  }

  close(): void {
    this.writer?.close();
    this.writer = null;
    this.dropHead();
  }

  private open(): SegmentWriter {
    if (!this.writer) {
      this.writer = this.tail.torn ? new SegmentWriter(this.tail.segment, this.tail.goodLength) : new SegmentWriter(this.tail.segment);
      this.tail = { ...this.tail, torn: false };
    }
    return this.writer;
  }

  /** The segment being written, if one is open (compaction leaves it as it is). */
  get writing(): string | undefined {
    return this.writer?.segment.path;
  }
}
