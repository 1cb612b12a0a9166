import { useEffect, useMemo, useState } from 'react';

export interface Strength {
  /** 0 (guessed at once) .. 4 (very hard to guess), zxcvbn's scale. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly label: string;
  /** How long an offline attack on a slow hash would take, in words. */
  readonly crackTime: string;
  readonly warning: string | null;
  readonly suggestions: readonly string[];
}

export type StrengthMeter = (passphrase: string) => Strength;

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

let loading: Promise<StrengthMeter> | null = null;

/**
 * How hard a passphrase is to guess, by zxcvbn's pattern matching (dictionaries, keyboard walks,
 * dates, repeats). Its dictionaries are 1.3 MB of the renderer: they load in a chunk of their own
 * when a passphrase is first asked for, not with the window at every start.
 */
export function loadStrengthMeter(): Promise<StrengthMeter> {
  loading ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(([core, common, en]) => {
    const factory = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    return (passphrase: string): Strength => {
      const r = factory.check(passphrase.slice(0, 256));
      return {
        score: r.score,
        label: LABELS[r.score],
        crackTime: String(r.crackTimes.offlineSlowHashingXPerSecond.display),
        warning: r.feedback.warning || null,
        suggestions: r.feedback.suggestions,
      };
    };
  });
  return loading;
}

/** The strength of what is typed, once the meter has loaded (null before, and for nothing typed); advice only, never a gate. */
export function usePassphraseStrength(passphrase: string): Strength | null {
  const [meter, setMeter] = useState<StrengthMeter | null>(null);
  useEffect(() => {
    let live = true;
    void loadStrengthMeter().then((m) => live && setMeter(() => m));
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => (passphrase && meter ? meter(passphrase) : null), [passphrase, meter]);
}
