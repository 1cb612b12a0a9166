/** Rows above which a PDF is refused: pdfmake lays out the whole document in memory, and nobody reads 20,000 rows on paper. */
export const MAX_PDF_ROWS = 20_000;

export class ReportTooLargeError extends Error {}
