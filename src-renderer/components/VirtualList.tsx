import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface VirtualListProps {
  readonly count: number;
  readonly rowHeight: number;
  /** Draws row i; only rows in view (and a few around) are drawn. */
  readonly renderRow: (index: number) => ReactNode;
  /** Told which rows are in view, to load their page. */
  readonly onRange?: (first: number, last: number) => void;
  readonly label: string;
  /** The focused row, moved with the arrow keys, Home, End, Page Up/Down. */
  readonly activeIndex?: number;
  readonly onActiveIndexChange?: (index: number) => void;
  readonly onActivate?: (index: number) => void;
  readonly className?: string;
}

/** A scrolling list that draws only the rows in view: 50,000 users stay smooth. */
export function VirtualList({ count, rowHeight, renderRow, onRange, label, activeIndex = -1, onActiveIndexChange, onActivate, className }: VirtualListProps) {
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count,
    getScrollElement: () => parent.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // jsdom has no layout; draw a first screenful there.
    initialRect: { width: 800, height: 600 },
  });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    if (last >= first) onRange?.(first, last);
  }, [first, last, onRange]);
  useEffect(() => {
    if (activeIndex >= 0) v.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, v]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!count || !onActiveIndexChange) return;
    const page = Math.max(1, Math.floor((parent.current?.clientHeight ?? 600) / rowHeight) - 1);
    const move: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    let next: number;
    if (e.key in move) next = Math.min(count - 1, Math.max(0, (activeIndex < 0 ? 0 : activeIndex) + move[e.key]));
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = count - 1;
    else if (e.key === 'Enter' && activeIndex >= 0) {
      onActivate?.(activeIndex);
      return;
    } else return;
    e.preventDefault();
    onActiveIndexChange(next);
  };

  return (
    <div
      ref={parent}
      className={`virtual-list ${className ?? ''}`}
      role="grid"
      aria-label={label}
      aria-rowcount={count}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {items.map((item) => (
          <div
            key={item.key}
            role="row"
            aria-rowindex={item.index + 1}
            aria-selected={item.index === activeIndex}
            className={item.index === activeIndex ? 'vrow active' : 'vrow'}
            style={{ position: 'absolute', top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${item.start}px)` }}
          >
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
