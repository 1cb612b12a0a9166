/**
 * Sending a planned push: $batch change sets of at most 1,000 requests in order, phase by phase,
 * each applied whole or not at all; the rows a phase's requests await read just before its change
 * set is built; a lost answer read back before anything is sent again; a 412 shown per field.
 */
import { Connection, DataverseError, NoToken, asDataverseError } from './connection';
import { MAX_BATCH, PushConflict, namedInWords, namedReader, rowReader, same, show, withNames, type PlannedRequest, type ReadyRequest } from './push';
import { inEffect } from './pushReadBack';

export interface PushReport {
  readonly sent: number;
  readonly batches: number;
  /** Requests not sent again because the environment already held them after a lost answer. */
  readonly alreadyInEffect: number;
  /** Change sets sent again after an answer that never came (or a server fault). */
  readonly retried: number;
}

export interface SendOptions {
  readonly onBatch?: (done: number, of: number) => void;
  /** Times a change set is sent again after its answer was lost; 2 unless told. */
  readonly retries?: number;
}

/**
 * A 412 as a conflict per field: each row sent with If-Match whose version moved, read again, its
 * environment value beside the vault's, with Dataverse's own message.
 */
async function conflictOf(c: Connection, slice: readonly PlannedRequest[], error: DataverseError, where: string): Promise<PushConflict> {
  const read = rowReader(c);
  const fields: PushConflict['fields'][number][] = [];
  const lines: string[] = [];
  for (const r of slice) {
    const m = r.ifMatch;
    if (!m) continue;
    const now = await read(m.set, m.id, Object.keys(m.vault)).catch(() => null);
    if (!now || now['@odata.etag'] === m.etag) continue;
    const moved = Object.keys(m.vault).filter((k) => !same(now[k], m.vault[k]));
    for (const k of moved) fields.push({ command: r.command, what: m.what, field: k, environment: now[k] ?? null, vault: m.vault[k] });
    lines.push(
      moved.length
        ? `${moved.map((k) => `the ${k} of ${m.what} is ${show(now[k])} in the environment but ${show(m.vault[k])} in the vault`).join('; ')} (command ${r.command + 1} would set ${Object.keys(m.vault).join(', ')})`
        : `${m.what} was changed in the environment since the pull (other columns than ${Object.keys(m.vault).join(', ')}, which command ${r.command + 1} would set)`,
    );
  }
  const text = lines.length ? `conflict: ${lines.join('; ')}; Dataverse: ${clause(error.message)}` : `conflict: ${clause(error.message)}`;
  return new PushConflict(`${text}; ${where}; pull again to see the environment's values, then push`, fields, error.status, error.code);
}

/** Dataverse's sentence as a clause of ours: its words, without the full stop before our "; …". */
const clause = (message: string) => message.replace(/\.\s*$/, '');

/** An answer that says nothing of what was done: no answer at all, or a server fault (not a request never sent for want of a token). */
export const unanswered = (e: DataverseError) => !(e instanceof NoToken) && !(e instanceof NotSent) && (e.status === null || e.status >= 500);

/** A change set stopped before it was sent: a read it needed (the rows Dataverse named) failed or found nothing. */
export class NotSent extends DataverseError {}

/** The change sets sendPush makes of the requests: phase by phase, at most MAX_BATCH each, in order. */
export function changeSetsOf<T extends { readonly phase: number }>(requests: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  for (const r of requests) {
    if (current.length === MAX_BATCH || (current.length && current[0].phase !== r.phase)) {
      out.push(current);
      current = [];
    }
    current.push(r);
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * Sends the requests as $batch change sets of at most MAX_BATCH, in order, a phase's after the
 * phase before it; the first refused change set stops the push with Dataverse's message. The rows
 * a change set's requests await (named by Dataverse when the change sets before made them) are
 * read just before it is built. When a change set's answer is lost, what the environment holds is
 * read again and only the requests not yet in effect are sent again, so nothing is applied twice.
 */
export async function sendPush(c: Connection, requests: readonly PlannedRequest[], options: SendOptions | ((done: number, of: number) => void) = {}): Promise<PushReport> {
  const opts: SendOptions = typeof options === 'function' ? { onBatch: options } : options;
  const retries = opts.retries ?? 2;
  const sets = changeSetsOf(requests);
  const batches = sets.length;
  let sent = 0;
  let alreadyInEffect = 0;
  let retried = 0;
  let read = namedReader(c);
  let readFor = -1;
  for (let b = 0; b < batches; b++) {
    const planned = sets[b];
    const where = `change set ${b + 1} of ${batches} (commands ${planned[0].command + 1}–${planned.at(-1)!.command + 1})`;
    const nothing = `${where} applied nothing${b ? `, the ${b} before it were applied` : ', and no change set before it'}`;
    let whole: readonly ReadyRequest[];
    if (planned.some((r) => r.awaits)) {
      // Read once per phase: the phases before made the rows, and none of this phase's change sets makes one.
      if (readFor !== planned[0].phase) [read, readFor] = [namedReader(c), planned[0].phase];
      const named = await withNames(planned, read).catch((e: unknown) => {
        const d = asDataverseError(e);
        if (d instanceof NoToken) throw new NoToken(d, `${clause(d.message)}; ${nothing}`);
        throw new NotSent(`reading the rows Dataverse named for ${where} failed: ${clause(d.message)}; ${nothing}; pushing again sends only what the environment does not hold yet`, d.status, d.code);
      });
      const missing = planned.filter((_, k) => named[k] === null);
      if (missing.length) throw new NotSent(`the environment holds no ${[...new Set(missing.flatMap((r) => r.awaits!.map(namedInWords)))].join(', ')} for command(s) ${[...new Set(missing.map((r) => r.command + 1))].join(', ')}; ${nothing}; pull to see what the environment holds`, null, null);
      whole = named as ReadyRequest[];
    } else whole = planned as readonly ReadyRequest[];
    let slice = whole;
    for (let attempt = 0; ; attempt++) {
      try {
        await c.send(`sending change set ${b + 1} of ${batches}`, async (api) => {
          api.startBatch();
          for (const r of slice) void r.send(c);
          return api.executeBatch();
        });
        sent += slice.length;
        break;
      } catch (e) {
        const d = asDataverseError(e);
        if (d.status === 412) throw await conflictOf(c, slice, d, nothing);
        if (d instanceof NoToken) throw new NoToken(d, `${clause(d.message)}; ${nothing}`);
        if (!unanswered(d)) throw new DataverseError(`${clause(d.message)}; ${nothing}`, d.status, d.code);
        if (attempt >= retries) throw new DataverseError(`${clause(d.message)}; whether ${where} was applied could not be told${b ? ` (the ${b} before it were applied)` : ''}; pushing again sends only what the environment does not hold yet`, d.status, d.code);
        retried++;
        let held: boolean[];
        try {
          held = await inEffect(c, slice);
        } catch (r) {
          throw new DataverseError(`${clause(d.message)}; whether ${where} was applied could not be told (reading it back failed: ${asDataverseError(r).message})${b ? ` (the ${b} before it were applied)` : ''}; pushing again sends only what the environment does not hold yet`, d.status, d.code);
        }
        const rest = slice.filter((_, k) => !held[k]);
        alreadyInEffect += slice.length - rest.length;
        slice = rest;
        if (!slice.length) break;
      }
    }
    opts.onBatch?.(b + 1, batches);
  }
  return { sent, batches, alreadyInEffect, retried };
}
