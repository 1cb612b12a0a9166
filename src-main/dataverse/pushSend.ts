/**
 * Sending a planned push: $batch change sets of at most 1,000 requests in order, each applied whole
 * or not at all; a lost answer read back before anything is sent again; a 412 shown per field.
 */
import { Connection, DataverseError, NoToken, asDataverseError } from './connection';
import { MAX_BATCH, PushConflict, rowReader, same, show, type PlannedRequest } from './push';
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
export const unanswered = (e: DataverseError) => !(e instanceof NoToken) && (e.status === null || e.status >= 500);

/**
 * Sends the requests as $batch change sets of at most MAX_BATCH, in order; the first refused change
 * set stops the push with Dataverse's message. When a change set's answer is lost, what the
 * environment holds is read again and only the requests not yet in effect are sent again, so
 * nothing is applied twice.
 */
export async function sendPush(c: Connection, requests: readonly PlannedRequest[], options: SendOptions | ((done: number, of: number) => void) = {}): Promise<PushReport> {
  const opts: SendOptions = typeof options === 'function' ? { onBatch: options } : options;
  const retries = opts.retries ?? 2;
  const batches = Math.ceil(requests.length / MAX_BATCH);
  let sent = 0;
  let alreadyInEffect = 0;
  let retried = 0;
  for (let b = 0; b < batches; b++) {
    const whole = requests.slice(b * MAX_BATCH, (b + 1) * MAX_BATCH);
    const where = `change set ${b + 1} of ${batches} (commands ${whole[0].command + 1}–${whole.at(-1)!.command + 1})`;
    const nothing = `${where} applied nothing${b ? `, the ${b} before it were applied` : ', and no change set before it'}`;
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
