import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

let factory: ZxcvbnFactory | null = null;

export interface Strength {
  /** 0 (guessed at once) .. 4 (very hard to guess), zxcvbn's scale. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly label: string;
  /** How long an offline attack on a slow hash would take, in words. */
  readonly crackTime: string;
  readonly warning: string | null;
  readonly suggestions: readonly string[];
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

/**
 * How hard a passphrase is to guess, by zxcvbn's pattern matching (dictionaries, keyboard walks,
 * dates, repeats). Built on first use: the dictionaries are large.
 */
export function passphraseStrength(passphrase: string): Strength {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  const r = factory.check(passphrase.slice(0, 256));
  return {
    score: r.score,
    label: LABELS[r.score],
    crackTime: String(r.crackTimes.offlineSlowHashingXPerSecond.display),
    warning: r.feedback.warning || null,
    suggestions: r.feedback.suggestions,
  };
}
