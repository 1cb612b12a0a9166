import { useEffect, useState, type ReactNode } from 'react';
import type { BridgeError } from '../api';
import { Dialog } from './Dialog';

export interface ConfirmDialogProps {
  readonly title: string;
  readonly children?: ReactNode;
  readonly confirmLabel: string;
  /** Asked when the dialog opens: a refusal here is shown as the reason and the confirm button stays disabled. */
  readonly check?: () => Promise<BridgeError | null>;
  /** Does the change; a refusal is shown and the dialog stays open. */
  readonly onConfirm: () => Promise<BridgeError | null>;
  readonly onClose: () => void;
  readonly danger?: boolean;
}

/** "Are you sure?" that shows the core's reason when the change would be refused. */
export function ConfirmDialog({ title, children, confirmLabel, check, onConfirm, onClose, danger }: ConfirmDialogProps) {
  const [reason, setReason] = useState<string | null>(null);
  const [checking, setChecking] = useState(!!check);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    if (check)
      void check().then((r) => {
        if (!live) return;
        setReason(r?.message ?? null);
        setChecking(false);
      });
    return () => {
      live = false;
    };
  }, [check]);
  return (
    <Dialog
      title={title}
      onClose={onClose}
      submitLabel={confirmLabel}
      submitDisabled={checking || busy || reason !== null}
      danger={danger}
      error={reason ? `Refused: ${reason}` : null}
      onSubmit={async () => {
        setBusy(true);
        const r = await onConfirm();
        setBusy(false);
        if (r) setReason(r.message);
        else onClose();
      }}
    >
      {children}
      {checking && <p className="muted">Checking…</p>}
    </Dialog>
  );
}
