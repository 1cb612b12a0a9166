import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { VaultError } from './errors';

/**
 * One writer at a time across processes: `writer.lock` in the vault folder, created exclusively
 * (written whole, then hard-linked into place, which fails when the name exists) by the process that opens the vault for writing and removed when it locks the vault or
 * exits. It names its holder so a refusal can say who holds the vault and since when.
 *
 * A lock left by a process that died (same host, pid gone or reused) is taken over. Takeovers are
 * serialized by a second exclusive file, `writer.lock.takeover`, held for the few milliseconds
 * between re-reading the stale lock and renaming a fresh one over it, so two processes finding the
 * same stale lock cannot both take it. A lock from another host is never taken over: its process
 * cannot be checked from here.
 */
export const LOCK_FILE = 'writer.lock';
const TAKEOVER_FILE = 'writer.lock.takeover';
/** A takeover lasts milliseconds: a takeover file this old was left by a process that died in it. */
const TAKEOVER_STALE_MS = 5_000;
/** An empty or unreadable lock this old was left by a process that died between creating and writing it. */
const UNREADABLE_STALE_MS = 5_000;

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the lock was taken (ISO time). */
  readonly since: string;
  /** What holds the vault: "RoleAtlas (desktop app)" or the command line that runs. */
  readonly program: string;
  /** The process's start time as the OS counts it (Linux), so a reused pid is not taken for the holder. */
  readonly started?: string;
  readonly token: string;
}

export interface LockOptions {
  readonly program: string;
  /** How long to wait for a live holder to let go before refusing; 0: refuse at once. */
  readonly waitMs?: number;
}

export class WriterLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    process.once('exit', this.onExit);
  }

  /** Takes the vault folder's writer lock, waiting up to waitMs; throws VaultError('busy') naming the holder. */
  static async acquire(dir: string, options: LockOptions): Promise<WriterLock> {
    const path = join(dir, LOCK_FILE);
    const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), program: options.program, started: processStart(process.pid), token: randomUUID() };
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (let attempt = 0; ; attempt++) {
      if (createExclusive(path, me)) return new WriterLock(path, me);
      const seen = readHolder(path);
      if (seen === 'gone') continue;
      if (isStale(path, seen) && takeOver(dir, path, seen, me)) return new WriterLock(path, me);
      if (Date.now() >= deadline) throw busy(path, seen);
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 + attempt * 10, 200)));
    }
  }

  /** Whether the lock file still names this holder (someone may have deleted or replaced it by hand). */
  isHeld(): boolean {
    return !this.released && this.owns();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    // Only our own lock is removed: after a takeover by hand the file may be someone else's.
    if (this.owns()) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
  }

  private owns(): boolean {
    const seen = readHolder(this.path);
    return typeof seen === 'object' && seen.token === this.holder.token;
  }
}

/** Who holds the lock, or null; for messages and tests. */
export function lockHolder(dir: string): LockHolder | null {
  const seen = readHolder(join(dir, LOCK_FILE));
  return typeof seen === 'object' ? seen : null;
}

/** The holder written whole to this process's own file beside the lock, synced. */
function writeHolder(path: string, me: LockHolder): string {
  const tmp = `${path}.${me.token}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Exclusive creation that never shows an empty lock: the holder is written to a private file first,
 * then hard-linked to the lock's name, which fails if the name exists (O_EXCL's guarantee, and a
 * process killed half-way leaves at most its private file, which the next writer removes).
 */
function createExclusive(path: string, me: LockHolder): boolean {
  const tmp = writeHolder(path, me);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOENT: our private file was removed by the holder's tidy-up (tidyFolder) between writing and linking it: someone holds the lock.
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw new VaultError('invalid', `cannot create the writer lock ${path}: ${(e as Error).message}`, path);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* removed by the holder's tidy-up */
    }
  }
}

/** The holder, 'gone' when the file vanished meanwhile, 'unreadable' when it is empty or not ours. */
function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const v = JSON.parse(text) as LockHolder;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') return v;
  } catch {
    /* fall through */
  }
  return 'unreadable';
}

function isStale(path: string, seen: LockHolder | 'unreadable'): boolean {
  if (seen === 'unreadable') return ageMs(path) > UNREADABLE_STALE_MS;
  if (seen.host !== hostname()) return false;
  if (seen.pid === process.pid) return false;
  return !isAlive(seen.pid, seen.started);
}

function takeOver(dir: string, path: string, seen: LockHolder | 'unreadable', me: LockHolder): boolean {
  const takeover = join(dir, TAKEOVER_FILE);
  if (!createExclusive(takeover, me)) {
    if (!takeoverLeftByTheDead(takeover)) return false;
    try {
      unlinkSync(takeover);
    } catch {
      /* another process cleared it */
    }
    // Cleared: this process may take over now, instead of refusing a caller that does not wait.
    if (!createExclusive(takeover, me)) return false;
  }
  try {
    // Still the same stale lock? Another process may have taken it over just before us.
    const now = readHolder(path);
    const same = seen === 'unreadable' ? now === 'unreadable' || now === 'gone' : typeof now === 'object' && now.token === seen.token;
    if (!same) return false;
    renameSync(writeHolder(path, me), path);
    return true;
  } finally {
    try {
      unlinkSync(takeover);
    } catch {
      /* gone */
    }
  }
}

/**
 * A takeover file whose holder is a process of this computer that is gone was left by it dying
 * inside the takeover: cleared at once. One that cannot be read (its writer died before writing
 * it whole) or names another computer is cleared only once it is older than any takeover lasts.
 */
function takeoverLeftByTheDead(takeover: string): boolean {
  const other = readHolder(takeover);
  if (other === 'gone') return false;
  if (other !== 'unreadable' && other.host === hostname() && other.pid !== process.pid && !isAlive(other.pid, other.started)) return true;
  return ageMs(takeover) > TAKEOVER_STALE_MS && (other === 'unreadable' || !isAlive(other.pid, other.started));
}

function busy(path: string, seen: LockHolder | 'unreadable'): VaultError {
  if (seen === 'unreadable') return new VaultError('busy', `the vault is being opened for writing by another program (${path} is being written); try again in a moment`, path);
  const where = seen.host === hostname() ? `process ${seen.pid} on this computer (${seen.host})` : `process ${seen.pid} on ${seen.host}`;
  const advice =
    seen.host === hostname()
      ? 'close it (or lock the vault in the app) and try again'
      : `if ${seen.host} no longer uses this vault, delete ${path} and try again`;
  return new VaultError('busy', `the vault is open for writing in ${seen.program}, ${where}, since ${seen.since}: ${advice}`, path);
}

function isAlive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid is in use: by the holder, unless the OS says that process started at another time.
  const now = processStart(pid);
  return started === undefined || now === undefined || now === started;
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); undefined off Linux. */
function processStart(pid: number): string | undefined {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  try {
    const text = readFileSync(stat, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
