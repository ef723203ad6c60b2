/**
 * The report templates (Eta: `<%= %>` is escaped with escapeHtml, `<%~ %>` inserts markup that
 * another template of this file made). The reports' data are prepared in planReport.ts and
 * resultsReport.ts; these only lay them out.
 */

/** One horizontal bar per category, with its count. */
export const BARS = `<figure class="chart">
<svg role="img" aria-labelledby="<%= it.id %>-t" width="<%= it.chart.width %>" height="<%= it.chart.height %>" viewBox="0 0 <%= it.chart.width %> <%= it.chart.height %>">
<title id="<%= it.id %>-t"><%= it.chart.title %></title>
<% for (const b of it.chart.bars) { %><g transform="translate(0 <%= b.y %>)"><text x="<%= it.chart.labelWidth - 8 %>" y="14" text-anchor="end" font-size="13" fill="#1f2328"><%= b.label %></text><rect x="<%= it.chart.labelWidth %>" y="0" width="<%= b.width %>" height="20" rx="2" fill="<%= b.color %>"></rect><text x="<%= b.textX %>" y="14" font-size="13" font-weight="600" fill="#1f2328"><%= b.count.toLocaleString('en-US') %></text></g>
<% } %></svg>
<figcaption class="note"><%= it.chart.title %></figcaption>
</figure>`;

/** Cumulative rows per status over the run. */
export const PROGRESS = `<figure class="chart">
<svg role="img" aria-labelledby="<%= it.id %>-t" width="<%= it.chart.width %>" height="<%= it.chart.height %>" viewBox="0 0 <%= it.chart.width %> <%= it.chart.height %>">
<title id="<%= it.id %>-t"><%= it.chart.title %></title>
<rect x="<%= it.chart.plot.x %>" y="<%= it.chart.plot.y %>" width="<%= it.chart.plot.w %>" height="<%= it.chart.plot.h %>" fill="#f6f8fa" stroke="#d1d9e0"></rect>
<% for (const t of it.chart.yTicks) { %><text x="<%= it.chart.plot.x - 6 %>" y="<%= t.y + 4 %>" text-anchor="end" font-size="11" fill="#59636e"><%= t.label %></text><line x1="<%= it.chart.plot.x %>" x2="<%= it.chart.plot.x + it.chart.plot.w %>" y1="<%= t.y %>" y2="<%= t.y %>" stroke="#d1d9e0"></line>
<% } %><% for (const t of it.chart.xTicks) { %><text x="<%= t.x %>" y="<%= it.chart.plot.y + it.chart.plot.h + 16 %>" text-anchor="middle" font-size="11" fill="#59636e"><%= t.label %></text>
<% } %><% for (const l of it.chart.lines) { %><polyline fill="none" stroke="<%= l.color %>" stroke-width="2" points="<%= l.points %>"></polyline>
<% } %><% it.chart.lines.forEach(function (l, i) { %><g transform="translate(<%= it.chart.plot.x + it.chart.plot.w + 10 %> <%= it.chart.plot.y + 6 + i * 20 %>)"><rect width="12" height="12" fill="<%= l.color %>"></rect><text x="17" y="11" font-size="12" fill="#1f2328"><%= l.status %> <%= l.total.toLocaleString('en-US') %></text></g>
<% }) %><text x="<%= it.chart.plot.x + it.chart.plot.w / 2 %>" y="<%= it.chart.height - 2 %>" text-anchor="middle" font-size="11" fill="#59636e">time since the run started</text>
</svg>
<figcaption class="note"><%= it.chart.title %></figcaption>
</figure>`;

/** A sortable, filterable table; `note` says what it holds when that is not every row. */
export const TABLE = `<div class="rows" id="<%= it.id %>">
<div class="tools" hidden><input type="search" aria-label="Filter: <%= it.title %>" placeholder="Filter these rows (any text)"><output class="note"></output></div>
<table data-rows>
<thead><tr><% for (const c of it.columns) { %><th<%~ c.kind === 'n' ? ' class="n"' : '' %> tabindex="0" title="Sort by this column"><%= c.label %></th><% } %></tr></thead>
<tbody>
<% for (const r of it.rows) { %><tr><% for (let i = 0; i < r.length; i++) { const c = it.columns[i].kind, v = r[i]; %><% if (c === 'n') { %><td class="n" data-v="<%= v %>"><%= typeof v === 'number' ? v.toLocaleString('en-US') : v %></td><% } else if (c === 'chip') { %><td><span class="chip c-<%= v %>"><%= v %></span></td><% } else if (c === 'k') { %><td class="k<%~ String(v).length <= 44 ? ' nw' : '' %>"><%= v %></td><% } else if (c === 'w') { %><td class="w"><%= v %></td><% } else if (c === 'a') { const at = String(v).lastIndexOf('@'); %><td><% if (at > 0) { %><%= String(v).slice(0, at) %><wbr>@<%= String(v).slice(at + 1) %><% } else { %><%= v %><% } %></td><% } else { %><td><%= v %></td><% } %><% } %></tr>
<% } %></tbody>
</table>
<% if (it.note) { %><p class="note"><%= it.note %></p><% } %>
</div>`;

export const FACTS = `<dl class="facts">
<% for (const f of it.facts) { %><dt><%= f.term %></dt><dd<%~ f.mono ? ' class="mono"' : '' %>><% if (f.lines) { %><% f.lines.forEach(function (l, i) { %><%~ i ? '<br>' : '' %><%= l %><% }) %><% } else { %><%= f.value %><% } %></dd>
<% } %></dl>`;

export const PLAN = `<header>
<p class="kind">Zivver SSO account keys · plan for review</p>
<h1><%= it.title %></h1>
<p class="lead"><%= it.sentence %></p>
<p class="note"><%= it.nothingWritten %></p>
</header>
<%~ include('@facts', { facts: it.facts }) %>
<% for (const w of it.warnings) { %><p class="warn"><%= w %></p>
<% } %>
<h2>What the plan does</h2>
<div class="charts"><%~ include('@bars', { id: 'actions', chart: it.actionsChart }) %></div>
<p class="note"><%= it.actionsNote %></p>
<h2>Rows that need attention (<%= it.attention.total.toLocaleString('en-US') %>)</h2>
<% if (it.attention.total) { %><p><%= it.attentionIntro %></p>
<%~ include('@table', it.attention.table) %>
<% } else { %><p class="good">No row needs attention: every user was matched to exactly one account and has a valid key that no other account gets.</p>
<% } %>
<h2>Keys that will be set (<%= it.set.total.toLocaleString('en-US') %>)</h2>
<% if (it.set.total) { %><%~ include('@table', it.set.table) %>
<% } else { %><p>No key will be set.</p>
<% } %>
<h2>By domain</h2>
<%~ include('@table', it.domains) %>
<% if (it.departments) { %><h2>By department</h2>
<%~ include('@table', it.departments) %>
<% } %>
<% if (it.notListed) { %><h2>Not listed row by row</h2>
<p><%= it.notListedIntro %></p>
<%~ include('@table', it.notListed) %>
<% } %>
<footer><p><%= it.holds %></p><p>Made by zivver-keytool <%= it.toolVersion %>. This page loads nothing from anywhere; it can be mailed, printed (A4) and opened offline.</p></footer>`;

export const RESULTS = `<header>
<p class="kind">Zivver SSO account keys · <%= it.whatIf ? 'what-if run (nothing written)' : 'results of a run' %></p>
<h1><%= it.title %></h1>
<p class="lead"><%= it.sentence %></p>
<% if (it.interrupted) { %><p class="warn bad"><%= it.interrupted %></p><% } %>
</header>
<%~ include('@facts', { facts: it.facts }) %>
<h2>How the run went</h2>
<div class="charts"><%~ include('@bars', { id: 'statuses', chart: it.statusChart }) %><% if (it.progress) { %><%~ include('@progress', { id: 'progress', chart: it.progress }) %><% } %></div>
<p class="note"><%= it.trafficNote %></p>
<h2>Failures (<%= it.failed.total.toLocaleString('en-US') %>)</h2>
<% if (it.failed.total) { %><p>Zivver's own words for each failure are in the last column. A rerun of the same command retries these rows.</p>
<%~ include('@table', it.failed.table) %>
<% } else { %><p class="good">No row failed.</p><% } %>
<h2>Drifted: not written because the account changed (<%= it.drifted.total.toLocaleString('en-US') %>)</h2>
<% if (it.drifted.total) { %><%~ include('@table', it.drifted.table) %>
<% } else { %><p>No account changed between the plan and the run.</p><% } %>
<h2>Undo</h2>
<% if (it.rollback) { %><p><%= it.rollbackIntro %></p>
<pre class="cmd"><%= it.rollback %></pre>
<% } else { %><p><%= it.rollbackIntro %></p><% } %>
<h2><%= it.whatIf ? 'Would be updated' : 'Updated' %> (<%= it.updated.total.toLocaleString('en-US') %>)</h2>
<% if (it.updated.total) { %><%~ include('@table', it.updated.table) %>
<% } else { %><p><%= it.whatIf ? 'No key would be written.' : 'No key was written.' %></p><% } %>
<% if (it.skipped) { %><h2>Skipped (<%= it.skippedTotal.toLocaleString('en-US') %>)</h2>
<%~ include('@table', it.skipped) %>
<% } %>
<footer><p><%= it.holds %></p><p>Made by zivver-keytool <%= it.toolVersion %>. This page loads nothing from anywhere; it can be mailed, printed (A4) and opened offline.</p></footer>`;
