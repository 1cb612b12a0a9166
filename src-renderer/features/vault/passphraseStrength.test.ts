import { describe, expect, it } from 'vitest';
import { passphraseStrength } from './passphraseStrength';

describe('passphrase strength', () => {
  it('calls a common password very weak and says why', () => {
    const s = passphraseStrength('password1');
    expect(s.score).toBeLessThanOrEqual(1);
    expect(s.warning ?? s.suggestions.join(' ')).not.toBe('');
  });

  it('calls a long passphrase of unrelated words strong', () => {
    expect(passphraseStrength('violet tractor sings under 42 lanterns').score).toBeGreaterThanOrEqual(3);
  });
});
