import { describe, expect, it } from 'vitest';
import { loadStrengthMeter } from './passphraseStrength';

describe('passphrase strength', () => {
  it('calls a common password very weak and says why', async () => {
    const s = (await loadStrengthMeter())('password1');
    expect(s.score).toBeLessThanOrEqual(1);
    expect(s.warning ?? s.suggestions.join(' ')).not.toBe('');
  });

  it('calls a long passphrase of unrelated words strong', async () => {
    expect((await loadStrengthMeter())('violet tractor sings under 42 lanterns').score).toBeGreaterThanOrEqual(3);
  });
});
