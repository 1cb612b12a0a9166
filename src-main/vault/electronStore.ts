import ElectronStore from 'electron-store';
import { confOptions, lazyStore, type DocumentOptions, type StoreFactory } from './store';

/** The app's persistence: electron-store over the same files, with the same serialize/deserialize. */
export const electronStore: StoreFactory = <T extends object>(o: DocumentOptions) =>
  lazyStore<T>(o, (remember) => new ElectronStore<Record<string, unknown>>({ ...confOptions(o, remember), name: o.name }));
