/**
 * The one template engine of the reports (Eta, auto-escaping every interpolation with escapeHtml)
 * and the page around each report. Pure: strings in, a string out.
 */
import { Eta } from 'eta/core';
import { escapeHtml } from './escape.js';
import { PAGE_PARTS, PAGE_TEMPLATE } from './page.js';
import { BARS, FACTS, PLAN, PROGRESS, RESULTS, TABLE } from './templates.js';

/**
 * n: a number (right-aligned, sorts as a number); k: a key (monospace); w: wide text (reasons);
 * a: an e-mail address (may break before its @); chip: an action or status.
 */
export type CellKind = 'n' | 'k' | 'w' | 'a' | 'chip' | 'text';

export interface TableColumn {
  label: string;
  kind?: CellKind;
}

/** A table as the templates take it: one array of cells per row, in column order. */
export interface TableModel {
  id: string;
  title: string;
  columns: TableColumn[];
  rows: (string | number)[][];
  /** What the table holds when it is not every row, or how it is ordered. */
  note?: string;
}

export interface Fact {
  term: string;
  value?: string;
  /** Several values, one per line (inputs with their SHA-256). */
  lines?: string[];
  mono?: boolean;
}

let engine: Eta | undefined;

function eta(): Eta {
  if (engine) return engine;
  const e = new Eta({ autoEscape: true, escapeFunction: escapeHtml, autoTrim: false, cache: true });
  e.loadTemplate('@page', PAGE_TEMPLATE);
  e.loadTemplate('@bars', BARS);
  e.loadTemplate('@progress', PROGRESS);
  e.loadTemplate('@table', TABLE);
  e.loadTemplate('@facts', FACTS);
  e.loadTemplate('@plan', PLAN);
  e.loadTemplate('@results', RESULTS);
  return (engine = e);
}

/** Renders a report body template and wraps it in the self-contained page. */
export function renderPage(template: '@plan' | '@results', data: object & { title: string; toolVersion: string }): string {
  const e = eta();
  const body = e.render(template, data);
  return e.render('@page', { title: data.title, toolVersion: data.toolVersion, body, ...PAGE_PARTS });
}
