/** The common shape both readers produce before field mapping. */

/** One property/column of a record: its name as written in the input, and its value. */
export interface RawProp {
  name: string;
  value: unknown;
}

/** One CSV row or JSON object, with the physical line it starts on. */
export interface RawRecord {
  line: number;
  /** Properties by lower-cased, trimmed name (`@odata.*` already left out). */
  props: Map<string, RawProp>;
}

/** What a reader found in one input. */
export interface ParsedRecords {
  records: RawRecord[];
  /** Every column/property name seen, lower-cased → as first written; for whole-file checks. */
  columns: Map<string, string>;
  /** Line to blame for whole-file problems (the CSV header line); undefined for JSON. */
  headerLine?: number;
  /** Why there are no records, when there are none (for the "no users" message). */
  emptyBecause?: string;
  /** Whole-file warnings (e.g. an OData page with an @odata.nextLink: more users exist than were saved). */
  notes?: string[];
}
