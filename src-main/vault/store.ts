import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';

/**
 * One document in the vault folder, read and written whole and atomically. conf in plain Node
 * (tests, command line); electron-store in the app (electronStore.ts), over the same files.
 * Our own serialize/deserialize do the encryption; conf's encryptionKey is never used and
 * clearInvalidConfig stays off, so a file that fails to read is reported, never reset.
 */
export interface DocumentStore<T extends object> {
  readonly path: string;
  /** undefined when the file does not exist; throws what deserialize throws. */
  read(): T | undefined;
  write(value: T): void;
}

export interface DocumentOptions {
  readonly cwd: string;
  readonly name: string;
  readonly extension: string;
  readonly serialize: (value: Record<string, unknown>) => string;
  readonly deserialize: (text: string) => Record<string, unknown>;
}

export type StoreFactory = <T extends object>(options: DocumentOptions) => DocumentStore<T>;

/** The options conf and electron-store share. */
export function confOptions(o: DocumentOptions, remember: (value: Record<string, unknown>) => void) {
  return {
    cwd: o.cwd,
    fileExtension: o.extension,
    clearInvalidConfig: false,
    // Vault files are readable by their owner only (fileModes.ts).
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false,
    serialize: o.serialize,
    deserialize: (text: string) => {
      const value = o.deserialize(text);
      remember(value);
      return value;
    },
  };
}

/** conf reads the file once when constructed; that read is the first read()'s answer, not a second decryption. */
export function lazyStore<T extends object>(o: DocumentOptions, construct: (remember: (value: Record<string, unknown>) => void) => { store: Record<string, unknown> }): DocumentStore<T> {
  const path = join(o.cwd, `${o.name}.${o.extension}`);
  let conf: { store: Record<string, unknown> } | undefined;
  let first: Record<string, unknown> | undefined;
  const strip = (v: Record<string, unknown>) => {
    const { __internal__: _, ...rest } = v;
    return rest as T;
  };
  return {
    path,
    read() {
      if (!existsSync(path)) return undefined;
      if (!conf) {
        first = undefined;
        conf = construct((v) => (first ??= v));
        if (first) return strip(first);
      }
      return strip(conf.store);
    },
    write(value) {
      conf ??= construct(() => {});
      // With __internal__ present conf does not read (and decrypt) the old file before writing.
      conf.store = { ...(value as Record<string, unknown>), __internal__: {} };
    },
  };
}

export const confStore: StoreFactory = <T extends object>(o: DocumentOptions) =>
  lazyStore<T>(o, (remember) => new Conf<Record<string, unknown>>({ ...confOptions(o, remember), configName: o.name, projectName: 'roleatlas' }));
