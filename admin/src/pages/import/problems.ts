// What is wrong with a row, and where: its line in the file, and the column when one is to blame. A problem found
// here carries a rule, translated on screen (postflow.import.rules.<rule>); one the API found carries the API's own
// message, shown as it is.
export interface RowProblem {
  /** 1 is the header. Null: the problem concerns no line (a refused request). */
  line: number | null;
  column?: string;
  rule: string;
  args?: Record<string, unknown>;
  message?: string;
}

export const byLine = (a: RowProblem, b: RowProblem) => (a.line ?? 0) - (b.line ?? 0);
