/** Something wrong (or worth knowing) about an imported file, located as precisely as we can. */
export interface ImportProblem {
  /** The file as the user named it; inside a zip, "solution.zip!customizations.xml". */
  readonly file: string;
  /** 1-based line in the file, when the problem is tied to one element. */
  readonly line?: number;
  readonly message: string;
}

export const problemText = (p: ImportProblem): string => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
