import { unlinkSync } from 'node:fs';
import { isAudited, parseFrame } from './frames';
import { listSegments, scanSegment, syncDir, writeArchive } from './journalFile';

/**
 * Journal segments that neither snapshot needs (every frame at or before `keepUpTo`, the frame
 * snapshot.rav.bak covers) become audit archives: their audit entries kept byte for byte, the rest
 * (imported organizations, staged sets, sync bookkeeping) dropped. Undo and unsynced changes live
 * in the snapshot; restore-backup replays from the backup, whose journal stays. A damaged segment
 * is left as it is, for verify to name; so is the segment being written (`writing`).
 */
export function archiveCoveredSegments(dir: string, key: Buffer, vaultid: string, keepUpTo: number, writing: string | undefined): void {
  const segments = listSegments(dir);
  for (let i = 0; i + 1 < segments.length; i++) {
    const seg = segments[i];
    const end = segments[i + 1].start - 1;
    if (end > keepUpTo || seg.path === writing) break;
    const scan = scanSegment(seg, key, vaultid, false);
    if (scan.damage || seg.start + scan.frames.length - 1 !== end) break;
    const audited = scan.frames.filter((b) => isAudited(parseFrame(b)));
    writeArchive(dir, key, vaultid, seg.start, end, audited);
    unlinkSync(seg.path);
    syncDir(dir);
  }
}
