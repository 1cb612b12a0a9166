import { isAudited, loggedChangeOf, parseFrame, type LoggedChange } from './frames';
import { listArchives, listSegments, scanSegment } from './journalFile';

/**
 * The changes and imports after audit entry `seq`, oldest first. The journal files are read newest
 * first and the reading stops at the first file that reaches back to `seq`: the archives of a long
 * history are not opened for the few changes since the last pull. A damaged file throws its VaultError.
 */
export function changesAfter(dir: string, key: Buffer, vaultid: string, seq: number): LoggedChange[] {
  const segments = listSegments(dir);
  // An archive whose segment is still there was written by a compaction cut short: the segment is read.
  const archives = listArchives(dir).filter((a) => !segments.some((s) => s.start === a.start));
  const files = [...archives, ...segments].sort((a, b) => b.start - a.start);
  const found: LoggedChange[][] = [];
  for (const [i, file] of files.entries()) {
    const scan = scanSegment(file, key, vaultid, i === 0 && file.end === undefined);
    if (scan.damage) throw scan.damage;
    const kept: LoggedChange[] = [];
    let reachesBack = false;
    for (const bytes of scan.frames) {
      const f = parseFrame(bytes);
      if (!isAudited(f)) continue;
      if (f.seq <= seq + 1) reachesBack = true;
      if (f.seq > seq && f.kind !== 'note') kept.push(loggedChangeOf(f));
    }
    found.push(kept);
    if (reachesBack) break;
  }
  return found.reverse().flat();
}
