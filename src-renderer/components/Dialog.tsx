import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

export interface DialogProps {
  readonly title: string;
  readonly children: ReactNode;
  readonly onClose: () => void;
  /** When given, the dialog is a form and Enter submits it. A handler that waits on main reports
   *  a refusal through `error`, so the promise it returns is not awaited here. */
  readonly onSubmit?: () => void | Promise<void>;
  readonly submitLabel?: string;
  readonly submitDisabled?: boolean;
  /** A refusal of the core, shown above the buttons. */
  readonly error?: string | null;
  readonly danger?: boolean;
}

/** A modal on the native <dialog>: focus is trapped, Escape closes it. */
export function Dialog({ title, children, onClose, onSubmit, submitLabel = 'Save', submitDisabled, error, danger }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    // jsdom has no showModal; the open attribute is enough there.
    if (typeof d.showModal === 'function' && !d.open) d.showModal();
    else d.setAttribute('open', '');
    return () => {
      if (typeof d.close === 'function' && d.open) d.close();
    };
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!submitDisabled) void onSubmit?.();
  };
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {error && (
          <p role="alert" className="refusal">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            {onSubmit ? 'Cancel' : 'Close'}
          </button>
          {onSubmit && (
            <button type="submit" className={danger ? 'danger' : 'primary'} disabled={submitDisabled}>
              {submitLabel}
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
