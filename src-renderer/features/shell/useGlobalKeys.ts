import { useEffect } from 'react';
import { SCREENS, useAppStore } from '../../store';

/** True while typing in a field: Ctrl+Z there undoes the typing, not the last change. */
function inTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.tagName === 'TEXTAREA' || el.isContentEditable || (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes((el as HTMLInputElement).type));
}

/** Ctrl+Z undo, Ctrl+Shift+Z (or Ctrl+Y) redo, Ctrl+K search, Alt+1…5 screens; Cmd on macOS. */
export function useGlobalKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const s = useAppStore.getState();
      const key = e.key.toLowerCase();
      if (mod && key === 'k') {
        e.preventDefault();
        if (s.paletteOpen) s.closePalette();
        else s.openPalette();
        return;
      }
      if (e.altKey && !mod && /^[1-9]$/.test(e.key) && SCREENS[Number(e.key) - 1]) {
        e.preventDefault();
        s.navigate(SCREENS[Number(e.key) - 1]);
        return;
      }
      if (mod && (key === 'z' || key === 'y') && !inTextField(e.target) && !document.querySelector('dialog[open]')) {
        e.preventDefault();
        if (key === 'y' || e.shiftKey) void s.redo();
        else void s.undo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
