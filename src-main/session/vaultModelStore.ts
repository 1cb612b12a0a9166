import type { Result } from '../core/result';
import type { Command } from '../core/commands/schema';
import type { StagedGroup } from '../core/commands/stagedLabels';
import type { OrgState } from '../core/model/org';
import type { VaultSession } from '../vault/session';
import type { Vault } from '../vault/vault';
import type { Committed, ModelStore, UndoState } from './modelStore';

/**
 * The organization in the encrypted vault: every change is journaled and audited, undo and redo
 * are the vault's (persisted, themselves audited), and the staged change set lives in the vault.
 * Each call goes through VaultSession.use(), which counts as activity for auto-lock and throws
 * VaultError('locked') once the vault has locked itself.
 */
export class VaultModelStore implements ModelStore {
  constructor(private readonly vaults: VaultSession) {}

  private get vault(): Vault {
    return this.vaults.use();
  }

  get state(): OrgState {
    return this.vault.state;
  }

  commit(commands: readonly unknown[], label?: string): Result<Committed> {
    const v = this.vault;
    const r = v.applyAll(commands, label);
    return r.ok ? { ok: true, value: { state: v.state, label: v.nextUndo() ?? label ?? '' } } : r;
  }

  undo(): Result<string> {
    const v = this.vault;
    const label = v.nextUndo() ?? '';
    const r = v.undo();
    return r.ok ? { ok: true, value: label } : r;
  }

  redo(): Result<string> {
    const v = this.vault;
    const label = v.nextRedo() ?? '';
    const r = v.redo();
    return r.ok ? { ok: true, value: label } : r;
  }

  undoState(): UndoState {
    if (this.vaults.isLocked) return { canUndo: false, canRedo: false, undoLabel: null, redoLabel: null };
    const v = this.vault;
    return { canUndo: v.canUndo(), canRedo: v.canRedo(), undoLabel: v.nextUndo(), redoLabel: v.nextRedo() };
  }

  staged(): readonly Command[] {
    return this.vault.getStaged();
  }

  stagedGroups(): readonly (StagedGroup | null)[] {
    return this.vault.getStagedGroups();
  }

  setStaged(commands: readonly unknown[], groups?: readonly (StagedGroup | null)[]): Result<readonly Command[]> {
    const v = this.vault;
    const r = v.setStaged(commands, groups);
    return r.ok ? { ok: true, value: v.getStaged() } : r;
  }
}
