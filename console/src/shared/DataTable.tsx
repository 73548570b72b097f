import { Table, Text } from "@mantine/core";
import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from "react";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Leave the column out (an action only admins have, for example). */
  hidden?: boolean;
}

/**
 * A labelled table that scrolls sideways on its own on a narrow screen (the scroll area is
 * focusable, so keyboard users can scroll it too), one row per item.
 */
export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  rowTestId,
  striped = false,
  fz,
  minWidth = 600,
}: {
  label: string;
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  rowTestId?: (row: T) => string;
  striped?: boolean;
  fz?: "xs" | "sm";
  /** Below this width the table scrolls inside its box instead of squeezing its columns (phones). */
  minWidth?: number;
}) {
  const shown = columns.filter((c) => !c.hidden);
  const box = useRef<HTMLDivElement>(null);
  const overflows = useOverflow(box);
  const hintId = useId();
  return (
    <>
      {overflows && (
        <Text size="xs" c="dimmed" id={hintId} className="scroll-hint">
          Scroll sideways to see all columns →
        </Text>
      )}
      <div className="table-scroll" tabIndex={0} ref={box} aria-describedby={overflows ? hintId : undefined} data-overflows={overflows || undefined}>
        <Table aria-label={label} striped={striped} highlightOnHover={striped} verticalSpacing="sm" fz={fz} miw={minWidth}>
          <Table.Thead>
            <Table.Tr>
              {shown.map((c) => (
                <Table.Th key={c.header}>{c.header}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={rowKey(row)} data-testid={rowTestId?.(row)}>
                {shown.map((c) => (
                  <Table.Td key={c.header}>{c.cell(row)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}

/** Whether the box's content is wider than the box (a table on a phone), kept up to date as either changes size. */
function useOverflow(box: RefObject<HTMLDivElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const element = box.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, [box]);
  return overflows;
}
