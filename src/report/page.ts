/**
 * The page every report is: one HTML file with its style and its small script inline, and a
 * Content-Security-Policy that lets the page load nothing at all (no script, style, font, image or
 * frame from anywhere, not even from beside the file), so it opens the same from a mail attachment,
 * a share without network, or a browser that is offline. The script only sorts and filters the
 * tables; without it (a mail preview) the page reads the same.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--band:#f6f8fa;--set:#0969da;--unchanged:#818b98;--attention:#bc4c00;--bad:#cf222e;--ok:#1a7f37;--skip:#afb8c1}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;max-width:1180px;padding:24px 28px 48px;color:var(--ink);background:#fff;font:14px/1.45 system-ui,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:15px;margin:20px 0 6px}
p{margin:6px 0}
.kind{color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.06em;margin:0}
.lead{font-size:18px;margin:10px 0 4px;max-width:60em}
.note{color:var(--muted);font-size:13px}
.warn{border-left:4px solid var(--attention);background:#fff8f1;padding:6px 12px;margin:8px 0}
.bad{border-left-color:var(--bad);background:#fff5f5}
.good{border-left:4px solid var(--ok);background:#f3fbf5;padding:6px 12px;margin:8px 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:14px 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
code,.mono{font-family:ui-monospace,Consolas,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}
pre.cmd{background:var(--band);border:1px solid var(--line);border-radius:6px;padding:8px 12px;white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,Consolas,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}

.charts{display:flex;flex-wrap:wrap;gap:12px 36px;align-items:flex-start}
svg{max-width:100%;height:auto;font-family:system-ui,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
.tools{display:flex;gap:12px;align-items:center;margin:6px 0}
.tools input{font:inherit;padding:3px 8px;border:1px solid var(--line);border-radius:6px;min-width:18em}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid var(--line);overflow-wrap:break-word}
th{background:var(--band);font-weight:600;position:sticky;top:0}
th[tabindex]{cursor:pointer}
th:focus-visible{outline:2px solid var(--set)}
th[aria-sort=ascending]::after{content:" \\25B2";font-size:10px}
th[aria-sort=descending]::after{content:" \\25BC";font-size:10px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.k{font-family:ui-monospace,Consolas,"DejaVu Sans Mono",Menlo,monospace;font-size:12px;min-width:37ch;overflow-wrap:anywhere}
td.w{min-width:14em}
td.nw{white-space:nowrap}
tbody tr:nth-child(even){background:#fbfcfd}
.chip{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.c-set,.c-updated,.c-would-update{background:var(--set)}
.c-unchanged{background:var(--unchanged)}
.c-not-found,.c-ambiguous,.c-drifted{background:var(--attention)}
.c-conflict,.c-invalid,.c-failed{background:var(--bad)}
.c-skipped{background:var(--skip);color:var(--ink)}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@page{size:A4 landscape;margin:10mm 10mm}
@media print{
body{max-width:none;padding:0;font-size:9pt}
h1{font-size:16pt}h2{font-size:12pt;break-after:avoid}h3{break-after:avoid}
.lead{font-size:11pt}
.tools{display:none}
table{font-size:8pt}
th{position:static}

td.k{font-size:7.5pt}
thead{display:table-header-group}
tr,.chart,dl.facts,pre.cmd{break-inside:avoid}
th[aria-sort]::after{content:""}
}
`;

/** Sorting (click a column head) and filtering (type in the box above a table); no network, no libraries. */
const SCRIPT = `
(function () {
  var tables = document.querySelectorAll('table[data-rows]');
  Array.prototype.forEach.call(tables, function (table) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var texts = null;
    var box = table.parentNode.querySelector('.tools');
    if (box) {
      box.hidden = false;
      var input = box.querySelector('input');
      var shown = box.querySelector('output');
      input.addEventListener('input', function () {
        if (!texts) texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
        var q = input.value.trim().toLowerCase();
        var n = 0;
        rows.forEach(function (r, i) {
          var hit = !q || texts[i].indexOf(q) >= 0;
          r.hidden = !hit;
          if (hit) n++;
        });
        shown.textContent = q ? n + ' of ' + rows.length + ' rows shown' : '';
      });
    }
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); th.click(); }
      });
      th.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        var numeric = th.classList.contains('n');
        var keyed = rows.map(function (r, i) {
          var c = r.cells[col];
          var v = c ? (c.hasAttribute('data-v') ? c.getAttribute('data-v') : c.textContent) : '';
          return { r: r, i: i, v: numeric ? Number(v) || 0 : v.toLowerCase() };
        });
        keyed.sort(function (x, y) { return x.v < y.v ? -dir : x.v > y.v ? dir : x.i - y.i; });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (k) { frag.appendChild(k.r); });
        body.appendChild(frag);
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      });
    });
  });
})();
`;

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/**
 * Nothing may be loaded: only this page's own style and script run (by hash), images only as
 * data: (none today), no base URL, no form target.
 */
export const CONTENT_SECURITY_POLICY =
  `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

export const PAGE_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="<%= it.csp %>">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="zivver-keytool <%= it.toolVersion %>">
<title><%= it.title %></title>
<style><%~ it.style %></style>
</head>
<body>
<%~ it.body %>
<script><%~ it.script %></script>
</body>
</html>
`;

export const PAGE_PARTS = { style: STYLE, script: SCRIPT, csp: CONTENT_SECURITY_POLICY } as const;
