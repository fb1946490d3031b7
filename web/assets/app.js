// sluice web UI: small vanilla JavaScript over the REST API (/api/v1).
// Every value from the server is put on the page as text (textContent,
// attributes), never parsed as HTML. Past 800 lines (about 1,450): one
// closure holds the state the grid (with its groups and mapped tasks),
// the task page and their dialogs share (the partition map has map.js of
// its own).
'use strict';

(function () {
  const meta = (name) => {
    const m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : '';
  };
  const csrf = meta('csrf-token');
  const enc = encodeURIComponent;
  // the path a proxy serves the UI under (web.base_url's), or ''
  const ROOT = document.documentElement.dataset.root || '';

  // The button a person has just pressed (a click, or the one submitting
  // a form), for as long as the handler it starts runs without waiting:
  // the request it sends (not a GET) disables it until the answer, so a
  // double click sends one request, not a second whose 409 replaced the
  // first one's success.
  let pressed = null;
  const press = (b) => {
    if (!b) return;
    pressed = b;
    setTimeout(() => { if (pressed === b) pressed = null; });
  };
  document.addEventListener('click', (ev) => press(ev.target.closest && ev.target.closest('button')), true);
  document.addEventListener('submit', (ev) => press(ev.submitter && ev.submitter.closest('button')), true);

  // The session ended (logged out elsewhere, its password changed, or
  // expired): nothing was done; the login page, which leads back here
  // (once: the polls that follow find the page leaving)
  let leaving = false;
  function toLogin() {
    if (!leaving) {
      leaving = true;
      const here = location.pathname.slice(ROOT.length) + location.search + location.hash;
      location.assign(ROOT + '/login?ended=1&next=' + enc(here || '/'));
    }
    return new Promise(() => {});
  }

  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const held = method !== 'GET' && pressed && !pressed.disabled ? pressed : null;
    // (a disabled button loses the focus: it gets it back, so a dialog
    // the answer opens returns the focus to it)
    const focused = held && document.activeElement === held;
    if (held) held.disabled = true;
    try {
      const res = await fetch(ROOT + '/api/v1' + path, opts);
      // the page leaves for the login: no caller goes on (nor says the
      // API's "log in first" in an alert that holds the page)
      if (res.status === 401) return toLogin();
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok) throw new Error((data && data.error) || (res.status + ' ' + res.statusText));
      return data;
    } finally {
      // the caller's own rule (nothing selected: disabled) runs after
      if (held) held.disabled = false;
      if (focused && (!document.activeElement || document.activeElement === document.body)) held.focus();
    }
  }

  // What backfills made, from their answers (POST /dags/D/backfills), in
  // the words every form uses: "backfill 3: 11 run(s) created", "backfills
  // 3, 4: ..." (picked stretches), the re-runs, what was left as it was,
  // the notes (the range cut to the DAG's start and end)
  function backfillSaid(answers) {
    const ids = answers.map((a) => a.id).filter((id) => id !== null && id !== undefined);
    const sum = (f) => answers.reduce((n, a) => n + (a[f] || []).length, 0);
    const created = sum('create'), rerun = sum('rerun'), skip = sum('skip');
    return [(ids.length === 0 ? 'nothing to backfill: ' : 'backfill' + (ids.length > 1 ? 's ' : ' ') + ids.join(', ') + ': ') +
      created + ' run(s) created' + (rerun ? ', ' + rerun + ' re-run' : '') +
      (skip ? ', ' + skip + ' partition(s) left as they are' : '')]
      .concat(...answers.map((a) => a.notes || [])).join('. ');
  }

  // el('td', {class: 'x', title: 't'}, 'text', child...)
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // A partition key (or a time as typed for one) in running text or a
  // table: one word, never broken at its hyphens (html_partition's twin)
  const partKey = (k) => el('span', { class: 'part-key' }, k);
  // A name (a DAG, task, group or dataset) as nodes with a line-break
  // chance after each "_", "." and "-", and every 24 letters of a run
  // without one: it breaks between its words, never inside one
  // (base/text.c's text_html_name, TEXT_NAME_RUN): el('a', {}, ...nameText(n))
  const nameText = (n) => {
    const out = [];
    let word = '', letters = 0;
    for (const c of String(n)) {
      word += c;
      if ('_.-'.includes(c) || ++letters >= 24) {
        out.push(word, el('wbr'));
        word = '';
        letters = 0;
      }
    }
    if (word) out.push(word);
    else out.pop();
    return out;
  };

  // A clear preview's consumer partitions in other DAGs (needs:) that re-run
  // as a consequence ({dag, partition} from the API's dry run), with links.
  function consequenceLines(list) {
    if (!list || !list.length) return [];
    const lines = [el('strong', { class: 'consequences' }, 'Then, in other DAGs (needs:), ' + list.length +
      ' partition' + (list.length === 1 ? '' : 's') + ' re-run:')];
    for (const c of list.slice(0, 50))
      lines.push(el('span', { class: 'consequence', 'data-dag': c.dag, 'data-partition': c.partition },
        el('a', { href: ROOT + '/dags/' + enc(c.dag) + '/runs/' + enc(c.partition), target: '_blank' }, c.dag + ' ', partKey(c.partition))));
    if (list.length > 50) lines.push('… and ' + (list.length - 50) + ' more');
    return lines;
  }

  // A duration as a DAG file writes it and the server prints one, "25ms",
  // "1.5s", "1m30s", "1d2h" (sl_format_duration in base/util.c is its
  // twin): a try's time, an ETA, a sensor's poke_interval alike.
  function fmtDuration(ms) {
    if (ms === null || ms === undefined) return '';
    if (ms < 0) ms = 0;
    if (ms < 1000) return ms + 'ms';
    if (ms < 59950 && ms % 1000 !== 0) return (ms / 1000).toFixed(1) + 's';
    const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60);
    const out = (d ? d + 'd' : '') + (h ? h + 'h' : '') + (m ? m + 'm' : '');
    return out + (s % 60 || !out ? s % 60 + 's' : '');
  }

  // A time as the UI shows times (html_time in web/html.c is its twin):
  // in the DAG's zone with its offset, the UTC time in the tooltip. tz ''
  // or undefined: UTC.
  function fmtTime(ms, tz) {
    if (!ms) return '-';
    const d = new Date(ms);
    // datetime is for machines; a person reads "+00:00", as the CLI writes it
    const machine = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const utc = machine.replace(/Z$/, '+00:00');
    let local = utc;
    if (tz) {
      try {
        const parts = {};
        for (const p of new Intl.DateTimeFormat('en-US', {
          timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
          hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
        }).formatToParts(d)) parts[p.type] = p.value;
        const off = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.replace('GMT', '');
        local = parts.year + '-' + parts.month + '-' + parts.day + 'T' + parts.hour + ':' +
          parts.minute + ':' + parts.second + off;
      } catch (e) { local = utc; }
    }
    return el('time', { datetime: machine, title: utc + ' (UTC)' }, local);
  }

  // How long ago, in words (sl_format_ago in base/util.c is its twin):
  // whole minutes, hours or days, rounded down; under a minute (or in the
  // future: a clock set back) "just now".
  function fmtAgo(ms) {
    for (const [unit, size] of [['day', 86400000], ['hour', 3600000], ['minute', 60000]]) {
      const k = Math.floor(ms / size);
      if (k >= 1) return k + ' ' + unit + (k === 1 ? '' : 's') + ' ago';
    }
    return 'just now';
  }

  // A past moment as how long ago and when, in UTC (html_since in
  // web/html.c is its twin); never (text) when there is none.
  function fmtSince(ms, never) {
    if (!ms) return el('span', { class: 'since never' }, never);
    return el('span', { class: 'since' }, el('span', { class: 'ago' }, fmtAgo(Date.now() - ms)), ' ',
      el('span', { class: 'note' }, fmtTime(ms, '')));
  }

  function status(text, bad) {
    const s = document.getElementById('status');
    if (!s) return;
    s.textContent = text;
    s.classList.toggle('bad', !!bad);
  }

  // --- pause toggles (DAG list and DAG pages) ---
  function initPauseToggles() {
    for (const b of document.querySelectorAll('button.pause-toggle')) {
      b.addEventListener('click', async () => {
        const paused = b.dataset.paused === '1';
        try {
          await api('POST', '/dags/' + enc(b.dataset.dag) + (paused ? '/unpause' : '/pause'));
          b.dataset.paused = paused ? '0' : '1';
          b.textContent = paused ? 'active' : 'paused';
        } catch (e) { alert(e.message); }
      });
    }
  }

  // --- the DAG list: filter by tag (a chip, the box, or ?tag= in the URL) ---
  function initDagFilter() {
    const box = document.getElementById('dag-filter');
    const table = document.getElementById('dags');
    if (!box || !table) return;
    const rows = [...table.tBodies[0].rows];
    function apply(tag, push) {
      let shown = 0;
      for (const tr of rows) {
        const tags = [...tr.querySelectorAll('a.tag')].map((a) => a.dataset.tag);
        tr.hidden = !!tag && !tags.includes(tag);
        if (!tr.hidden) shown++;
      }
      for (const a of table.querySelectorAll('a.tag')) a.classList.toggle('on', a.dataset.tag === tag);
      document.getElementById('dag-count').textContent = tag ? shown + ' of ' + rows.length + ' DAG' +
        (rows.length === 1 ? '' : 's') + ' tagged ' + tag : '';
      if (push) history.replaceState(null, '', tag ? '?tag=' + enc(tag) : location.pathname);
    }
    document.getElementById('dag-filter-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      apply(box.value.trim(), true);
    });
    box.addEventListener('input', () => {
      // a whole tag (from the list or typed out) filters at once
      const v = box.value.trim();
      if (v === '' || [...document.querySelectorAll('#dag-tags option')].some((o) => o.value === v)) apply(v, true);
    });
    document.getElementById('dag-filter-clear').addEventListener('click', () => { box.value = ''; apply('', true); });
    table.addEventListener('click', (ev) => {
      const a = ev.target.closest('a.tag');
      if (!a) return;
      ev.preventDefault();
      box.value = a.dataset.tag;
      apply(a.dataset.tag, true);
    });
    apply(box.value.trim(), false);
  }

  // --- groups in the grid: a group (group: on tasks) is one column in
  // the aggregate state the server gives (group_cells), at the place of
  // its first task; a click on it shows its tasks' columns after it ---
  function gridColumns(data, open) {
    const groups = data.groups || [];
    const groupOf = new Map();
    groups.forEach((g, gi) => g.tasks.forEach((i) => groupOf.set(i, gi)));
    const cols = [];
    const placed = new Set();
    data.tasks.forEach((t, i) => {
      const gi = groupOf.get(i);
      if (gi === undefined) { cols.push({ i }); return; }
      if (placed.has(gi)) return;
      placed.add(gi);
      cols.push({ group: gi });
      if (open.has(groups[gi].name)) groups[gi].tasks.forEach((m) => cols.push({ i: m, member: true }));
    });
    return cols;
  }
  function gridGroupHead(data, col, open) {
    const g = data.groups[col.group];
    const isOpen = open.has(g.name);
    return el('th', { class: 'task group' + (isOpen ? ' open' : ''), 'data-group': g.name, 'data-group-toggle': g.name,
      title: 'group ' + g.name + ': ' + g.tasks.map((i) => data.tasks[i]).join(', ') +
        (isOpen ? '\nclick to collapse' : '\nclick to show its ' + g.tasks.length + ' tasks') },
    (isOpen ? '− ' : '+ ') + g.name + ' (' + g.tasks.length + ')');
  }
  function gridGroupCell(data, p, col, open) {
    const g = data.groups[col.group];
    const state = (p.group_cells || [])[col.group] || 'none';
    return el('td', { class: 'cell group st-' + state, 'data-group': g.name, 'data-group-toggle': g.name,
      'data-partition': p.partition, 'data-state': state,
      title: 'group ' + g.name + ' @ ' + p.partition + '\n' + state +
        (open.has(g.name) ? '\nclick to collapse' : '\nclick to show its tasks') });
  }

  // --- mapped tasks in the grid: a mapped task (foreach:) is one column
  // in its parent's aggregate state with a count of its items done; a
  // click on its head shows one column per item (NAME[0]...) after it ---
  const DONE_STATES = new Set(['success', 'failed', 'skipped', 'upstream_failed']);
  function gridMapColumns(data, cols, open, values) {
    const mapped = new Set(data.mapped || []);
    const out = [];
    for (const col of cols) {
      const name = col.i !== undefined ? data.tasks[col.i] : null;
      if (name === null || !mapped.has(name)) { out.push(col); continue; }
      out.push(Object.assign({ mapped: name }, col));
      if (!open.has(name)) continue;
      // as many item columns as the page's widest run has items; the
      // header's tooltip is the item's value (values: from the newest run
      // holding items, asked for when the column opened)
      let n = 0;
      for (const p of data.partitions) n = Math.max(n, ((p.items || {})[name] || []).length);
      const vs = values.get(name) || [];
      for (let k = 0; k < n; k++) out.push({ i: col.i, item: k, value: vs[k] });
    }
    return out;
  }
  function gridMapHead(data, col, open) {
    const isOpen = open.has(col.mapped);
    return el('th', { class: 'task mapped' + (isOpen ? ' open' : ''), 'data-task': col.mapped, 'data-map-toggle': col.mapped,
      title: 'mapped task ' + col.mapped + (isOpen ? '\nclick to collapse its items' : '\nclick to show one column per item') },
    (isOpen ? '▾ ' : '▸ ') + col.mapped);
  }
  function gridItemHead(data, col) {
    const name = data.tasks[col.i] + '[' + col.item + ']';
    return el('th', { class: 'task item', 'data-item': name,
      title: col.value !== undefined ? name + ' = ' + itemText(col.value) : name }, '[' + col.item + ']');
  }
  // an item's value (map_item) as the UI shows it: a string as it is, else JSON
  const itemText = (v) => typeof v === 'string' ? v : JSON.stringify(v);
  // the count a mapped cell shows: "done/total" of the run's items
  function mapCount(p, name) {
    const its = (p.items || {})[name];
    if (!its) return null;
    const done = its.filter((c) => c && DONE_STATES.has(c[0])).length;
    return { done, total: its.length, failed: its.filter((c) => c && c[0] === 'failed').length };
  }
  function gridItemCell(data, p, col) {
    const name = data.tasks[col.i] + '[' + col.item + ']';
    const c = ((p.items || {})[data.tasks[col.i]] || [])[col.item];
    if (!c) return el('td', { class: 'cell empty item' });
    const [state, dur, tryNo] = c;
    return el('td', { class: 'cell item st-' + state, 'data-partition': p.partition, 'data-item': name,
      'data-state': state,
      title: name + ' @ ' + p.partition + '\n' + state +
        (dur !== null ? ', ' + fmtDuration(dur) : '') + (tryNo ? ', try ' + tryNo : '') + '\nclick to open it' });
  }

  // --- the partition grid ---
  function initGrid() {
    const table = document.getElementById('grid');
    if (!table) return;
    const dag = table.dataset.dag;
    const canChange = table.dataset.canChange === '1';
    const scheduled = table.dataset.scheduled === '1';
    const pageSize = 25;
    let offset = 0;
    let data = null;
    let anchor = null;              // {partition, task, start} of the last plain click
    const selected = new Set();     // "partition\u0000task": by key, across pages
    const neverRun = new Set();     // never-run partitions picked for a backfill
    let pending = null;             // the action waiting in the preview
    let filter = '';                // the grid's state filter as query text
    let targets = new Set();        // the partitions the last jump named
    const openGroups = new Set();   // groups shown as their tasks' columns
    const openMaps = new Set();     // mapped tasks shown as their items' columns
    const mapValues = new Map();    // mapped task -> its items' values (JSON text)
    let active = null;              // the keyboard's cell {part, col, r, c}: row key (null: the head), column key, indexes

    // the items' values of a mapped task, from the newest run of the page
    // that has items (the run's task instances carry map_item)
    async function loadMapValues(name) {
      const p = data.partitions.find((q) => ((q.items || {})[name] || []).length);
      if (!p) return;
      try {
        const run = await api('GET', '/dags/' + enc(dag) + '/runs/' + enc(p.partition));
        const vs = [];
        for (const ti of run.task_instances)
          if (ti.map_index !== null && ti.map_index !== undefined && ti.task === name + '[' + ti.map_index + ']')
            vs[ti.map_index] = ti.map_item;
        mapValues.set(name, vs);
        render();
      } catch (e) { /* the headers stay without values */ }
    }

    const key = (p, t) => p + '\u0000' + t;
    const split = (k) => k.split('\u0000');

    function selectionByTask() {
      const byTask = new Map();
      for (const k of selected) {
        const [p, t] = split(k);
        if (!byTask.has(t)) byTask.set(t, []);
        byTask.get(t).push(p);
      }
      return byTask;
    }

    function updateButtons() {
      const n = selected.size;
      const count = document.getElementById('selection-count');
      if (count) {
        const parts = new Set([...selected].map((k) => split(k)[0]));
        count.textContent = n ? n + ' selected' : 'nothing selected';
        count.title = n ? 'on ' + parts.size + ' partition' + (parts.size === 1 ? '' : 's') + ', on any page' : '';
      }
      for (const id of ['clear-btn', 'mark-success-btn', 'mark-failed-btn']) {
        const b = document.getElementById(id);
        if (b) b.disabled = n === 0;
      }
    }

    // selection changes only repaint classes, so the cells stay the same
    // elements (a double click opens the task instance)
    function paintSelection() {
      for (const td of table.querySelectorAll('td.cell[data-task]'))
        td.classList.toggle('sel', selected.has(key(td.dataset.partition, td.dataset.task)));
      updateButtons();
    }

    function render() {
      const thead = table.tHead, tbody = table.tBodies[0];
      const hadFocus = table.contains(document.activeElement);   // the poll's redraw keeps it
      thead.replaceChildren();
      tbody.replaceChildren();
      const head = el('tr', {}, el('th', { class: 'corner' }, 'partition'));
      const cols = gridMapColumns(data, gridColumns(data, openGroups), openMaps, mapValues);
      cols.forEach((col) => head.append(col.group !== undefined ? gridGroupHead(data, col, openGroups) :
        col.mapped !== undefined ? gridMapHead(data, col, openMaps) :
        col.item !== undefined ? gridItemHead(data, col) :
        el('th', { class: 'task' + (col.member ? ' in-group' : ''), 'data-task': data.tasks[col.i],
          title: 'select the column ' + data.tasks[col.i] }, data.tasks[col.i])));
      thead.append(head);
      data.partitions.forEach((p) => {
        const tr = el('tr', { 'data-partition': p.partition, 'data-start': p.start_s,
          class: targets.has(p.partition) ? 'target' : null });
        // the key is the partition's start in the DAG's zone; the tooltip adds it in UTC
        const start = p.start_s !== undefined ? fmtTime(p.start_s * 1000, '') : null;
        tr.append(el('th', { class: 'part', title: p.partition + '\n' + p.run_type + ' run: ' + p.state + (start && start.title ? '\nstarts ' + start.title : '') },
          el('span', { class: 'run st-' + p.state }), el('span', { class: 'key' }, p.partition)));
        cols.forEach((col) => {
          if (col.group !== undefined) { tr.append(gridGroupCell(data, p, col, openGroups)); return; }
          if (col.item !== undefined) { tr.append(gridItemCell(data, p, col)); return; }
          const i = col.i, c = p.cells[i];
          const task = data.tasks[i];
          if (!c) { tr.append(el('td', { class: 'cell empty' })); return; }
          const [state, dur, tryNo] = c;
          const title = task + ' @ ' + p.partition + '\n' + state +
            (dur !== null ? ', ' + fmtDuration(dur) : '') + (tryNo ? ', try ' + tryNo : '');
          const td = el('td', {
            class: 'cell st-' + state + (selected.has(key(p.partition, task)) ? ' sel' : ''),
            title, 'data-partition': p.partition, 'data-task': task, 'data-state': state, 'data-start': p.start_s,
          });
          if (col.mapped !== undefined) {
            const n = mapCount(p, col.mapped);
            td.classList.add('mapped');
            if (n) {
              td.append(el('span', { class: 'map-count' + (n.failed ? ' bad' : '') }, n.done + '/' + n.total));
              td.title += '\n' + n.done + ' of ' + n.total + ' items done' + (n.failed ? ', ' + n.failed + ' failed' : '');
            }
          }
          tr.append(td);
        });
        tbody.append(tr);
      });
      renderNeverRun(tbody);
      const info = document.getElementById('page-info');
      const last = Math.min(offset + data.partitions.length, data.total);
      // the pages count runs; the never-run rows shown among them are said apart
      const never = (data.neverRun || { keys: [] }).keys.length + ((data.neverRun || {}).more || 0);
      info.textContent = (data.total ? (offset + 1) + '–' + last + ' of ' + data.total +
        ' partition' + (data.total === 1 ? '' : 's') + (never ? ' with a run' : '') : noneShown()) +
        (never ? ' · ' + never + ' without a run' : '');
      document.getElementById('newer').disabled = offset === 0;
      document.getElementById('older').disabled = offset + pageSize >= data.total;
      updateButtons();
      placeTabStop(hadFocus, false);
    }

    // --- the keyboard: the grid is one tab stop, its active cell (a
    // roving tabindex, one attribute per render, whatever the grid's
    // size); arrows, Home and End move, Enter opens what a double click
    // opens (a task instance) or does what a click does (heads, groups,
    // items, never-run rows), Space does what a click does (Shift+Space:
    // the range from the last one, as shift-click). The active cell is
    // kept by partition and column, so a redraw finds it again. ---
    function colKey(c) {
      const h = table.tHead.rows[0]?.cells[c];
      if (!h) return '';
      return h.dataset.group !== undefined ? 'g' + h.dataset.group : h.dataset.item !== undefined ? 'i' + h.dataset.item :
        h.dataset.task !== undefined ? 't' + h.dataset.task : h.classList.contains('corner') ? 'corner' : '';
    }
    function remember(cell, c) {
      const tr = cell.parentElement;
      active = { part: tr.parentElement === table.tHead ? null : tr.dataset.partition, col: colKey(c),
        r: tr.rowIndex, c };
    }
    // the cell the active position names in the grid as drawn now
    function activeCell() {
      const rows = table.rows;
      if (!rows.length) return null;
      if (!active) {
        // at first: the newest partition's first task, else the corner
        const first = table.tBodies[0].rows[0];
        return first && first.cells[1] ? first.cells[1] : rows[0].cells[0] || null;
      }
      let tr = null;
      if (active.part === null) tr = table.tHead.rows[0];
      else for (const row of table.tBodies[0].rows) if (row.dataset.partition === active.part) { tr = row; break; }
      if (!tr) tr = rows[Math.min(active.r, rows.length - 1)];
      if (!tr || !tr.cells.length) return null;
      let c = active.c;
      if (active.col) {
        const head = table.tHead.rows[0];
        for (let i = 0; head && i < head.cells.length; i++) if (colKey(i) === active.col) { c = i; break; }
      }
      return tr.cells[Math.min(c, tr.cells.length - 1)];
    }
    function placeTabStop(focus, scroll) {
      const old = table.querySelector('[tabindex]');
      const cell = activeCell();
      if (old && old !== cell) old.removeAttribute('tabindex');
      if (!cell) return;
      cell.tabIndex = 0;
      if (active) active.r = cell.parentElement.rowIndex;   // rows move as new partitions come
      if (!focus) return;
      if (scroll) {
        // the sticky head and key column must not hide the cell scrolled
        // to, nor their white cover of the gaps beside them (as wide as
        // the table's border-spacing, app.css)
        const wrap = table.parentElement, head = table.tHead.rows[0];
        const cover = parseFloat(getComputedStyle(table).borderSpacing) || 0;
        wrap.style.scrollPaddingTop = (head ? head.offsetHeight + cover : 0) + 'px';
        wrap.style.scrollPaddingLeft = (head && head.cells[0] ? head.cells[0].offsetWidth + cover : 0) + 'px';
      }
      cell.focus({ preventScroll: !scroll });
    }
    function moveTo(r, c) {
      const rows = table.rows;
      r = Math.max(0, Math.min(r, rows.length - 1));
      const cells = rows[r].cells;
      remember(cells[Math.min(Math.max(0, c), cells.length - 1)], Math.max(0, c));
      placeTabStop(true, true);
    }
    table.addEventListener('keydown', (ev) => {
      const cell = ev.target.closest('td, th');
      if (!cell || cell.closest('table') !== table || ev.altKey) return;
      const r = cell.parentElement.rowIndex;
      // up and down keep the column asked for across a never-run row's one wide cell
      const c = active && active.r === r ? active.c : cell.cellIndex;
      const last = table.rows.length - 1, ctrl = ev.ctrlKey || ev.metaKey;
      switch (ev.key) {
      case 'ArrowUp': moveTo(r - 1, c); break;
      case 'ArrowDown': moveTo(r + 1, c); break;
      case 'ArrowLeft': moveTo(r, cell.cellIndex - 1); break;
      case 'ArrowRight': moveTo(r, Math.min(cell.cellIndex + 1, cell.parentElement.cells.length - 1)); break;
      case 'Home': moveTo(ctrl ? 0 : r, 0); break;
      case 'End': moveTo(ctrl ? last : r, (ctrl ? table.rows[last] : cell.parentElement).cells.length - 1); break;
      case 'Enter':
        if (cell.matches('td.cell[data-task]')) openTask(cell);
        else activate(cell, {});
        break;
      case ' ': activate(cell, { shiftKey: ev.shiftKey }); break;
      default: return;
      }
      ev.preventDefault();
    });

    const gridPath = (extra) => '/dags/' + enc(dag) + '/grid?limit=' + pageSize + filter + (extra || '');

    // The partitions of the page's range that have no run (the partition
    // map's "missing", or "late" without a run), shown as empty rows among the runs: only without a
    // filter (a filter asks for runs), at most NEVER_RUN_MAX a page; an
    // unscheduled DAG has no map to ask (the server answers 400).
    const NEVER_RUN_MAX = 200;
    // A jump (at: the keys it named, newest first) may name partitions
    // older than every run, or of a DAG with no run yet: on the last page
    // the range then starts at the oldest one named, so they are shown.
    async function neverRunOf(d, at) {
      if (!scheduled || filter) return { keys: [], more: 0 };
      const runs = d.partitions, oldestAt = at && at.length ? at[at.length - 1] : null;
      let from = runs.length ? runs[runs.length - 1].partition : null;
      if (oldestAt && offset + runs.length >= d.total &&
          (!from || Date.parse(oldestAt) < runs[runs.length - 1].start_s * 1000)) from = oldestAt;
      if (!from) return { keys: [], more: 0 };
      const q = '?from=' + enc(from) + (offset > 0 && runs.length ? '&to=' + enc(runs[0].partition) : '');
      try {
        const res = await api('GET', '/dags/' + enc(dag) + '/partitions' + q);
        // ended and no run: missing, or late (past its freshness deadline)
        const miss = res.partitions.filter((p) => !p.run && p.state !== 'future');
        return { keys: miss.slice(0, NEVER_RUN_MAX), more: Math.max(0, miss.length - NEVER_RUN_MAX) };
      } catch (e) { return { keys: [], more: 0 }; }   // unscheduled, or too long a range
    }
    function renderNeverRun(tbody) {
      const nr = data.neverRun || { keys: [], more: 0 };
      for (const p of nr.keys) {
        const tr = el('tr', { class: 'never-run' + (neverRun.has(p.partition) ? ' picked' : '') +
          (targets.has(p.partition) ? ' target' : ''),
          'data-partition': p.partition, 'data-start': p.start_s, 'data-never-run': '1' },
          el('th', { class: 'part never', title: 'never run: its interval has ended and it has no run' +
            (canChange ? '\nclick to pick it for a backfill' : '') }, el('span', { class: 'run st-none' }), el('span', { class: 'key' }, p.partition)),
          el('td', { class: 'never-note', colspan: data.tasks.length }, 'never run'));
        // newest first, like the runs
        const after = [...tbody.rows].find((r) => Number(r.dataset.start) < p.start_s);
        tbody.insertBefore(tr, after || null);
      }
      if (nr.more)
        tbody.append(el('tr', { class: 'never-run' }, el('td', { colspan: data.tasks.length + 1, class: 'never-note' },
          '… and ' + nr.more + ' more partitions without a run in this range (see the partition map)')));
      updateNeverRun();
    }
    function updateNeverRun() {
      const b = document.getElementById('grid-backfill-picked');
      if (b) {
        // only a page with never-run rows has room for it (elsewhere that
        // room pushed the selection's group onto a line of its own, an
        // empty band over the grid at 1024-1200 px); there, hidden, it
        // keeps its room: appearing at the first pick, it would wrap onto
        // a line of its own on a phone and move the grid down under the
        // pointer
        b.hidden = neverRun.size === 0 && !((data && data.neverRun) || { keys: [] }).keys.length;
        b.style.visibility = neverRun.size === 0 ? 'hidden' : '';
        b.textContent = 'Backfill ' + neverRun.size + ' never-run partition' + (neverRun.size === 1 ? '' : 's') + '…';
      }
    }
    if (canChange) {
      // the button lives next to the selection tools; made here, as the
      // never-run rows are
      const sel = document.getElementById('select-none');
      const b = el('button', { id: 'grid-backfill-picked', type: 'button' });
      b.hidden = true;
      b.style.visibility = 'hidden';
      sel?.after(b);
      // one backfill per stretch of picked partitions (adjacent hours
      // picked are one backfill to follow and cancel, not one each): the
      // dry run over them all lists every partition without a run in
      // order, so a stretch ends at one that is not picked. First what it
      // makes, in the preview, as the backfill form and the map do
      b.addEventListener('click', async () => {
        const keys = [...neverRun].sort(), path = '/dags/' + enc(dag) + '/backfills';
        try {
          const lacking = (await api('POST', path, { from: keys[0], to: keys[keys.length - 1], dry_run: true })).create;
          const stretches = [];
          let cur = null;
          for (const k of lacking)
            if (!neverRun.has(k)) cur = null;
            else if (cur) cur.to = k;
            else stretches.push(cur = { from: k, to: k });
          // (a key the range missed, had the keys' order not been time's: alone)
          for (const k of keys) if (!lacking.includes(k)) stretches.push({ from: k, to: k });
          const rows = keys.slice().reverse().map((k) => ({ partition: k, task: 'a new run: every task', state: 'none' }));
          showPreview('Backfill ' + keys.length + ' never-run partition' + (keys.length === 1 ? '' : 's') + '?',
            'A run is created for each partition picked' + (stretches.length > 1 ? ', in ' + stretches.length +
              ' backfills (one per stretch of adjacent partitions)' : '') + ':', rows, async () => {
              const answers = [];
              for (const r of stretches) answers.push(await api('POST', path, r));
              neverRun.clear();
              await refreshBackfills();
              return backfillSaid(answers);
            });
        } catch (e) { status(e.message, true); }
      });
    }

    // an empty page: under a filter, none of what it shows ("no running
    // runs"), not "no runs yet" of a DAG that has runs
    function noneShown() {
      const f = document.getElementById('grid-filter');
      return f && f.value ? 'no ' + f.options[f.selectedIndex].text.replace(/ \(.*$/, '') : 'no runs yet';
    }
    // asked: a load the person asked for (another filter or page), whose
    // success clears what the status line said of the view before (a Go
    // to's error stayed on screen); a poll's clears only its own error
    let loadFailed = false;
    async function load(asked) {
      try {
        const d = await api('GET', gridPath('&offset=' + offset));
        d.neverRun = await neverRunOf(d, [...targets]);
        data = d;
        render();
        if (asked || loadFailed) status('');
        loadFailed = false;
      } catch (e) { status(e.message, true); loadFailed = true; }
    }

    // go to the page holding the partition a date or time names (the
    // server resolves it as the CLI does)
    async function jump(text) {
      try {
        const res = await api('GET', gridPath('&at=' + enc(text)));
        offset = res.offset;
        res.neverRun = await neverRunOf(res, res.at);
        data = res;
        targets = new Set(res.at || []);
        render();
        const row = table.querySelector('tr.target');
        if (row) row.scrollIntoView({ block: 'center' });
        const at = res.at || [];
        status(text + ' → ' + (at.length === 1 ? at[0] : at.length + ' partitions, ' + at[at.length - 1] + ' … ' + at[0]) +
          (row ? '' : ' (not shown: the filter hides it)'));
      } catch (e) { status(e.message, true); }
    }

    // the partitions between two keys (both inclusive) on one task,
    // wherever they are paged: the server lists the keys of the range
    async function selectRange(from, to, task) {
      if (Number(from.start) > Number(to.start)) [from, to] = [to, from];
      // both ends on this page: the rows between them are the range (a
      // page is a contiguous stretch of the same order and filter)
      const rows = data.partitions.map((p) => p.partition);
      const [i, j] = [rows.indexOf(from.partition), rows.indexOf(to.partition)];
      if (i >= 0 && j >= 0) {
        for (let r = Math.min(i, j); r <= Math.max(i, j); r++) selected.add(key(rows[r], task));
        paintSelection();
        return;
      }
      try {
        const res = await api('GET', '/dags/' + enc(dag) + '/grid/keys?from=' + enc(from.partition) +
          '&to=' + enc(to.partition) + filter);
        for (const p of res.partitions) selected.add(key(p, task));
        paintSelection();
      } catch (e) { status(e.message, true); }
    }

    const openTask = (td) => {
      location.href = ROOT + '/dags/' + enc(dag) + '/runs/' + enc(td.dataset.partition) + '/tasks/' + enc(td.dataset.task);
    };
    table.addEventListener('click', (ev) => {
      // the keyboard goes on from the cell clicked
      const cell = ev.target.closest('td, th');
      if (cell && cell.closest('table') === table) { remember(cell, cell.cellIndex); placeTabStop(false, false); }
      activate(ev.target, ev);
    });
    // what a click on target does; mods: the click's shiftKey, ctrlKey, metaKey
    function activate(target, mods) {
      const g = target.closest('[data-group-toggle]');
      if (g) {
        // a group's column (head or cell) shows or hides its tasks
        const name = g.dataset.groupToggle;
        if (openGroups.has(name)) openGroups.delete(name); else openGroups.add(name);
        render();
        return;
      }
      const mt = target.closest('[data-map-toggle]');
      if (mt) {
        // a mapped task's head shows or hides its items' columns
        const name = mt.dataset.mapToggle;
        if (openMaps.has(name)) openMaps.delete(name); else openMaps.add(name);
        render();
        if (openMaps.has(name) && !mapValues.has(name)) loadMapValues(name);
        return;
      }
      const item = target.closest('td.cell[data-item]');
      if (item) {
        // an item's cell opens that item's task page
        location.href = ROOT + '/dags/' + enc(dag) + '/runs/' + enc(item.dataset.partition) + '/tasks/' + enc(item.dataset.item);
        return;
      }
      const td = target.closest('td.cell');
      const th = target.closest('th');
      const never = target.closest('tr.never-run[data-never-run]');
      if (never) {
        if (!canChange) return;
        const k = never.dataset.partition;
        if (neverRun.has(k)) neverRun.delete(k); else neverRun.add(k);
        never.classList.toggle('picked', neverRun.has(k));
        updateNeverRun();
        return;
      }
      if (td && td.dataset.task) {
        if (mods.ctrlKey || mods.metaKey) {
          openTask(td);
          return;
        }
        if (!canChange) return;
        const here = { partition: td.dataset.partition, task: td.dataset.task, start: td.dataset.start };
        if (mods.shiftKey && anchor && anchor.task === here.task) {
          // a range of partitions on one task, by key: the anchor may be
          // on another page
          selectRange(anchor, here, here.task);
          return;
        }
        const k = key(here.partition, here.task);
        if (selected.has(k)) selected.delete(k); else selected.add(k);
        anchor = here;
        paintSelection();
        return;
      }
      if (th && canChange && th.classList.contains('task')) {
        // a whole task column (of this page)
        for (const p of data.partitions) selected.add(key(p.partition, th.dataset.task));
        paintSelection();
      } else if (th && canChange && th.classList.contains('part')) {
        const p = th.parentElement.dataset.partition;
        for (const t of data.tasks) selected.add(key(p, t));
        paintSelection();
      }
    }
    table.addEventListener('dblclick', (ev) => {
      const td = ev.target.closest('td.cell');
      if (td && td.dataset.task) openTask(td);
    });

    document.getElementById('newer').addEventListener('click', () => { offset = Math.max(0, offset - pageSize); load(true); });
    document.getElementById('older').addEventListener('click', () => { offset += pageSize; load(true); });
    document.getElementById('grid-jump')?.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = document.getElementById('grid-at').value.trim();
      if (text) jump(text);
    });
    document.getElementById('grid-filter')?.addEventListener('change', (ev) => {
      const v = ev.target.value;     // "state=failed", "task_state=failed" or ""
      filter = v ? '&' + v.split('=')[0] + '=' + enc(v.split('=')[1]) : '';
      offset = 0;
      targets = new Set();
      load(true);
    });

    const modal = document.getElementById('preview');
    const markOption = document.getElementById('preview-mark-option');
    const markClear = document.getElementById('mark-clear-downstream');
    function showPreview(title, summary, rows, action, extra) {
      document.getElementById('preview-title').textContent = title;
      document.getElementById('preview-summary').textContent = summary;
      const more = document.getElementById('preview-extra');
      if (more) {
        more.replaceChildren();
        for (const line of extra || []) more.append(el('p', {}, line));
      }
      const tb = document.querySelector('#preview-table tbody');
      tb.replaceChildren();
      for (const r of rows)
        tb.append(el('tr', {}, el('td', {}, partKey(r.partition)), el('td', {}, ...nameText(r.task)), el('td', {}, el('span', { class: 'badge st-' + r.state }, r.state))));
      pending = action;
      document.getElementById('preview-confirm').disabled = rows.length === 0;
      modal.hidden = false;
    }
    function closePreview() {
      modal.hidden = true;
      pending = null;
      if (markOption) markOption.hidden = true;
    }
    document.getElementById('preview-cancel')?.addEventListener('click', closePreview);
    document.getElementById('preview-confirm')?.addEventListener('click', async () => {
      const action = pending;
      closePreview();
      if (!action) return;
      try {
        status(await action());
        selected.clear();
        anchor = null;
        await load();
      } catch (e) { status(e.message, true); }
    });

    // the preview's dry runs: one per selected task, over its partitions
    function clearBodies() {
      const opts = {
        downstream: document.getElementById('opt-downstream').checked,
        upstream: document.getElementById('opt-upstream').checked,
        only_failed: document.getElementById('opt-only-failed').checked,
        dry_run: true,
      };
      return [...selectionByTask()].map(([task, partitions]) => Object.assign({ tasks: [task], partitions }, opts));
    }

    // the clear itself: the task instances its preview listed, each once.
    // The selection's dry runs (one per task) overlap where their
    // downstream or upstream meet; clearing each again would reset an
    // instance twice (counted twice, and stopped if it had started in
    // between). So the list goes back with nothing added: one body per set
    // of tasks over the partitions that have exactly that set, so that no
    // run is in two bodies (a setup or teardown never reaches across runs).
    function exactBodies(rows, onlyFailed) {
      const byPart = new Map(), bySet = new Map();
      for (const r of rows) {
        if (!byPart.has(r.partition)) byPart.set(r.partition, []);
        byPart.get(r.partition).push(r.task);
      }
      for (const [partition, tasks] of byPart) {
        const k = JSON.stringify(tasks.sort());
        if (!bySet.has(k))
          bySet.set(k, { tasks, partitions: [], downstream: false, upstream: false, only_failed: onlyFailed });
        bySet.get(k).partitions.push(partition);
      }
      return [...bySet.values()];
    }

    document.getElementById('clear-btn')?.addEventListener('click', async () => {
      try {
        const seen = new Map(), cons = new Map(), bodies = clearBodies();
        for (const body of bodies) {
          const res = await api('POST', '/dags/' + enc(dag) + '/clear', body);
          for (const ti of res.task_instances) seen.set(key(ti.partition, ti.task), ti);
          for (const c of res.consequences || []) cons.set(key(c.dag, c.partition), c);
        }
        const rows = [...seen.values()].sort((a, b) => a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : a.task < b.task ? -1 : 1);
        showPreview('Clear ' + rows.length + ' task instance' + (rows.length === 1 ? '' : 's') + '?',
          'These task instances will be reset and run again:', rows, async () => {
            let n = 0;
            for (const body of exactBodies(rows, bodies[0].only_failed))
              n += (await api('POST', '/dags/' + enc(dag) + '/clear', body)).count;
            return 'cleared ' + n + ' task instance' + (n === 1 ? '' : 's');
          }, consequenceLines([...cons.values()]));
      } catch (e) { status(e.message, true); }
    });

    // the mark's preview is the server's dry run: every selected key (on
    // any page) with its state now, and what happens downstream
    async function markPreview(state) {
      const clearDown = state === 'success' && !!markClear && markClear.checked;
      const rows = [], freed = new Set(), stay = new Set();
      try {
        for (const [task, partitions] of selectionByTask()) {
          const res = await api('POST', '/dags/' + enc(dag) + '/mark',
            { tasks: [task], partitions, state, dry_run: true, clear_downstream: clearDown });
          for (const ti of res.task_instances) {
            rows.push({ partition: ti.partition, task: ti.task, state: ti.state || 'none' });
            for (const t of ti.cleared_downstream || ti.downstream_upstream_failed || []) freed.add(t + ' @ ' + ti.partition);
            for (const t of ti.still_upstream_failed || []) stay.add(t + ' @ ' + ti.partition);
          }
        }
      } catch (e) { status(e.message, true); return; }
      rows.sort((a, b) => a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : a.task < b.task ? -1 : 1);
      const extra = [];
      if (freed.size)
        extra.push((clearDown ? 'Will be cleared and run again (upstream_failed because of these): '
          : 'Stay upstream_failed (tick the box to clear them): ') + [...freed].sort().join(', '));
      if (stay.size) extra.push('Stay upstream_failed (another upstream failed): ' + [...stay].sort().join(', '));
      showPreview('Mark ' + rows.length + ' task instance' + (rows.length === 1 ? '' : 's') + ' ' + state + '?',
        'These task instances will be set to ' + state + ' (downstream tasks that have not run follow their trigger rules):', rows, async () => {
          let n = 0, cleared = 0;
          for (const [task, partitions] of selectionByTask()) {
            const res = await api('POST', '/dags/' + enc(dag) + '/mark', { tasks: [task], partitions, state, clear_downstream: clearDown });
            n += res.count;
            for (const ti of res.task_instances) cleared += (ti.cleared_downstream || []).length;
          }
          return 'marked ' + n + ' ' + state + (clearDown ? ', cleared ' + cleared + ' downstream' : '');
        }, extra);
      if (markOption) {
        markOption.hidden = state !== 'success';
        markOption.dataset.state = state;
      }
    }
    markClear?.addEventListener('change', () => markPreview(markOption.dataset.state));
    document.getElementById('mark-success-btn')?.addEventListener('click', () => markPreview('success'));
    document.getElementById('mark-failed-btn')?.addEventListener('click', () => markPreview('failed'));
    document.getElementById('select-none')?.addEventListener('click', () => { selected.clear(); anchor = null; paintSelection(); });

    // the API confirms a partition outside the DAG's range with a field;
    // here it is the form's box
    const outsideHint = (m) => m.replace(/\(allow_outside_range: true (runs|backfills) it anyway\)/,
      (all, verb) => '(tick "even before start: or past end:" to ' + (verb === 'runs' ? 'run' : 'backfill') + ' it anyway)');
    document.getElementById('trigger-form')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { params: {} };
      const p = document.getElementById('trigger-partition').value.trim();
      if (p) body.partition = p;
      if (document.getElementById('trigger-outside')?.checked) body.allow_outside_range = true;
      for (const input of document.querySelectorAll('#trigger-form .param')) {
        let v = input.value;
        // a secret's default is not in the page: an empty box keeps it;
        // an empty required one is left out, so the server names it
        if ((input.dataset.secret || input.dataset.required) && v === '') continue;
        // the text as typed, as the CLI's --param gives it: the server
        // reads it as the param's type (read as JSON here, 1e3 and ' 5'
        // passed for an integer the CLI and the API refuse)
        body.params[input.dataset.param] = v;
      }
      try {
        const run = await api('POST', '/dags/' + enc(dag) + '/runs', body);
        // how an ambiguous local time was read, a partition outside the range
        status(['triggered partition ' + run.partition].concat(run.notes || []).join('. '));
        offset = 0;
        await load();
      } catch (e) { status(outsideHint(e.message), true); }
    });
    document.getElementById('backfill-form')?.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = {
        from: document.getElementById('backfill-from').value.trim(),
        to: document.getElementById('backfill-to').value.trim(),
        only: document.getElementById('backfill-only').value,
        newest_first: document.getElementById('backfill-newest-first').checked,
        allow_outside_range: document.getElementById('backfill-outside').checked,
      };
      const ma = document.getElementById('backfill-max-active').value.trim();
      if (ma) body.max_active = Number(ma);
      const path = '/dags/' + enc(dag) + '/backfills';
      try {
        // first what it would do (a dry run), in the preview; Confirm
        // makes it
        const dry = await api('POST', path, Object.assign({}, body, { dry_run: true }));
        const plural = (n, what) => n + ' ' + what + (n === 1 ? '' : 's');
        const shown = 1000, rows = [];
        for (const k of dry.create) rows.push({ partition: k, task: 'a new run: every task', state: 'none' });
        // the runs it re-runs as they are now (the first page of them)
        const now = new Map();
        if (dry.rerun.length) {
          const q = new URLSearchParams({ from: dry.from, to: dry.to, limit: '1000' });
          for (const r of (await api('GET', path.replace(/backfills$/, 'runs') + '?' + q)).runs) now.set(r.partition, r.state);
        }
        for (const k of dry.rerun) rows.push({ partition: k, state: now.get(k) || 'none',
          task: body.only === 'all' ? 'the run again: every task' : 'its failed tasks and their downstream' });
        const extra = (dry.notes || []).slice();
        if (rows.length > shown) extra.unshift('and ' + (rows.length - shown) + ' more partitions, not listed here');
        const summary = rows.length === 0
          ? 'Nothing to backfill from ' + dry.from + ' to ' + dry.to + ': ' + plural(dry.skip.length, 'partition') + ' left as they are.'
          : 'From ' + dry.from + ' to ' + dry.to + ': ' + [
            dry.create.length ? plural(dry.create.length, 'new run') : '',
            dry.rerun.length ? plural(dry.rerun.length, 'run') + ' re-run' : '',
            dry.skip.length ? plural(dry.skip.length, 'partition') + ' left as they are' : '',
            body.newest_first ? 'newest first' : ''].filter((x) => x).join(', ') + '.';
        // nothing to run: no question to ask, the status line says why
        if (rows.length === 0) {
          status([summary].concat(dry.notes || []).join(' '));
          return;
        }
        showPreview('Backfill ' + dag + '?', summary, rows.slice(0, shown), async () => {
          const res = await api('POST', path, body);
          await refreshBackfills();
          return backfillSaid([res]);
        }, extra);
      } catch (e) { status(outsideHint(e.message), true); }
    });

    // ?at= (the partition map's click): open at the page holding it
    const at0 = new URLSearchParams(location.search).get('at');
    if (at0) {
      const box = document.getElementById('grid-at');
      if (box) box.value = at0;
      jump(at0);
    } else load();
    // live updates: short polling while the page is visible and no dialog is open
    setInterval(() => { if (!document.hidden && modal.hidden) load(); }, 1500);
  }

  // --- graph view ---
  // a node's name longer than its box ends in an ellipsis; its tooltip
  // (<title>) keeps it whole
  function fitGraphLabels(svg) {
    for (const g of svg.querySelectorAll('g.node')) {
      const rect = g.querySelector('rect'), text = g.querySelector('text');
      if (!rect || !text) continue;
      const room = Number(rect.getAttribute('width')) - 16, full = text.textContent;
      if (text.getComputedTextLength() <= room) continue;
      let lo = 0, hi = full.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        text.textContent = full.slice(0, mid) + '…';
        if (text.getComputedTextLength() <= room) lo = mid; else hi = mid - 1;
      }
      text.textContent = full.slice(0, lo) + '…';
    }
  }

  function initGraph() {
    const svg = document.getElementById('graph');
    if (svg) fitGraphLabels(svg);
    // a graph wider than its box scrolls sideways: a shade on each side
    // with more to see, and the line under it saying so
    const wrap = document.getElementById('graph-wrap'), box = document.getElementById('graph-box');
    const more = document.getElementById('graph-more');
    if (wrap && box) {
      const cue = () => {
        const over = wrap.scrollWidth > wrap.clientWidth + 1;
        box.classList.toggle('more-left', over && wrap.scrollLeft > 1);
        box.classList.toggle('more-right', over && wrap.scrollLeft + wrap.clientWidth < wrap.scrollWidth - 1);
        if (more) more.hidden = !over;
      };
      wrap.addEventListener('scroll', cue, { passive: true });
      new ResizeObserver(cue).observe(wrap);
      cue();
    }
    if (!svg || !svg.dataset.partition) return;
    const sel = document.getElementById('graph-partition');
    sel?.addEventListener('change', () => sel.form.submit());
    async function refresh() {
      try {
        const run = await api('GET', '/dags/' + enc(svg.dataset.dag) + '/runs/' + enc(svg.dataset.partition));
        for (const ti of run.task_instances) {
          const g = svg.querySelector('g.node[data-task="' + CSS.escape(ti.task) + '"]');
          if (g) {
            g.setAttribute('class', 'node st-' + ti.state);
            const t = g.querySelector('title');
            if (t) t.textContent = ti.task + ': ' + ti.state + (ti.duration_ms !== null ? ', ' + fmtDuration(ti.duration_ms) : '');
          }
        }
      } catch (e) { /* the next poll tries again */ }
    }
    setInterval(() => { if (!document.hidden) refresh(); }, 2000);
  }

  // --- task instance: follows the latest try, says why it waits, tails its log ---
  function initTask() {
    const box = document.getElementById('ti');
    if (!box) return;
    const base = '/dags/' + enc(box.dataset.dag) + '/runs/' + enc(box.dataset.partition) + '/tasks/' + enc(box.dataset.task);
    const tz = box.dataset.tz;
    const log = document.getElementById('log');
    const stateEl = document.getElementById('log-state');
    const badge = document.getElementById('ti-state');
    const waiting = document.getElementById('ti-waiting');
    const triesBody = document.querySelector('#tries tbody');
    // ?try=N (data-open-try, an alert's link) opens that try's log; an
    // older one than the latest stays shown as later tries start
    let latest = Number(box.dataset.try);
    let tryNo = Number(box.dataset.openTry || latest);
    let following = tryNo >= latest, tiState = badge ? badge.textContent : '';
    let offset = 0, timer = null, generation = 0, shownTries = null;

    // a try's result (pages_run.c result_text is its twin): an exit code or
    // signal as one word; an error that begins with the exit code, as the
    // exit code and the rest (what the task said last)
    function resultText(t) {
      const said = 'exit code ' + t.exit_code;
      if (t.error && !(t.signal > 0) && Number.isInteger(t.exit_code) &&
          (t.error === said || t.error.startsWith(said + ': ')))
        return el('span', {}, el('span', { class: 'exit' }, said), t.error.slice(said.length));
      if (t.error && t.signal > 0 && t.error.startsWith('killed by signal ' + t.signal + ' ')) return t.error;
      if (t.error) return 'error: ' + t.error;
      if (t.signal > 0) return el('span', { class: 'exit' }, 'signal ' + t.signal);
      if (Number.isInteger(t.exit_code)) return el('span', { class: 'exit' }, 'exit code ' + t.exit_code);
      return '';
    }
    // the task type's options with each duration (data-durations: its
    // keys, kept in milliseconds) as a DAG file writes it (pages_run.c
    // options_for_people): "poke_interval": "1m", not 60000
    const durationKeys = new Set((box.dataset.durations || '').split(' ').filter(Boolean));
    function forPeople(o) {
      if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
      const copy = {};
      for (const [k, v] of Object.entries(o)) copy[k] = durationKeys.has(k) && Number.isInteger(v) ? fmtDuration(v) : v;
      return copy;
    }
    // what a try ran: an argv as a shell would read it, or a spec (pages_run.c ran_text)
    function ranText(ran) {
      if (ran === null || ran === undefined) return 'not recorded';
      if (Array.isArray(ran))
        // a shell script (after -c) on its own lines as written; plain words as they are, others single-quoted
        return ran.map((w, i) => i > 0 && ran[i - 1] === '-c' ? '\n' + w :
          (i > 0 ? ' ' : '') + (/^[A-Za-z0-9_./:=+,@%-]+$/.test(w) ? w : "'" + String(w).replace(/'/g, "'\\''") + "'")).join('');
      return JSON.stringify(forPeople(ran));
    }
    // the same rows as pages.c try_rows
    function renderTries(tries) {
      triesBody.replaceChildren();
      for (const t of tries) {
        const hash = t.dag_hash ? el('code', { class: 'hash', title: 'sha256 ' + t.dag_hash }, t.dag_hash.slice(0, 12)) : null;
        triesBody.append(el('tr', { class: t.try_number === tryNo ? 'try shown' : 'try', 'data-try': t.try_number },
          el('td', {}, t.try_number),
          el('td', {}, el('span', { class: 'badge st-' + t.state }, t.state)),
          el('td', {}, t.host || ''),
          el('td', {}, fmtTime(t.started_at, tz)),
          el('td', {}, fmtTime(t.ended_at, tz)),
          el('td', {}, resultText(t)),
          el('td', {}, hash),
          el('td', {}, el('button', { type: 'button', class: 'show-log', 'data-try': t.try_number }, 'log'))));
        triesBody.append(el('tr', { class: 'ran', 'data-try': t.try_number }, el('td', {}),
          el('td', { colspan: 7 }, 'ran: ', el('code', {}, ranText(t.ran)))));
      }
    }
    function show(ti) {
      tiState = ti.state;
      if (badge) {
        badge.className = 'badge st-' + ti.state;
        badge.textContent = ti.state;
      }
      if (waiting) {
        const w = ti.waiting_for;
        waiting.hidden = !w;
        waiting.dataset.kind = w ? w.kind : '';
        waiting.textContent = w ? 'Not running: ' + w.text : '';
      }
      // redraw the tries only when they changed (a tooltip being read stays)
      const triesText = JSON.stringify(ti.tries);
      if (triesText !== shownTries) { shownTries = triesText; renderTries(ti.tries); }
      const last = ti.tries.length ? ti.tries[ti.tries.length - 1].try_number : 0;
      if (last > latest) {
        latest = last;
        if (following) open(last);   // a new try started: follow it
      }
    }
    async function refresh() {
      try { show(await api('GET', base)); } catch (e) { /* the next poll tries again */ }
    }

    api('GET', base).then((ti) => {
      show(ti);
      const txt = (v) => v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(forPeople(v), null, 2);
      document.getElementById('command').textContent = ti.command.render_error ? 'cannot render: ' + ti.command.render_error : txt(ti.command.rendered);
      document.getElementById('template').textContent = txt(ti.command.template);
    }).catch((e) => { document.getElementById('command').textContent = e.message; });
    // live: the state, the reason and the tries without a reload
    setInterval(() => { if (!document.hidden) refresh(); }, 1500);

    async function tail(gen) {
      if (gen !== generation) return;
      let more = false, running = false;
      try {
        const chunk = await api('GET', base + '/logs/' + tryNo + '?offset=' + offset);
        if (gen !== generation) return;
        if (chunk.data) {
          const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
          log.append(document.createTextNode(chunk.data));
          if (atBottom) log.scrollTop = log.scrollHeight;
        }
        offset = chunk.next_offset;
        running = chunk.running;
        more = chunk.size !== undefined && chunk.next_offset < chunk.size;
        if (log.dataset.state === 'running' && !running) refresh();
        const poking = tryNo === latest && tiState === 'up_for_reschedule';
        stateEl.textContent = running ? 'running — following the log' :
          poking ? 'waiting for the next poke' : !chunk.exists ? 'no output yet' :
          // else an empty black box reads as a log that failed to load
          offset === 0 ? 'finished — it printed nothing' : 'finished';
        log.dataset.state = running ? 'running' : 'done';
      } catch (e) {
        stateEl.textContent = e.message;
      }
      if (more) timer = setTimeout(() => tail(gen), 0);
      else if (running) timer = setTimeout(() => tail(gen), 1000);
      else timer = setTimeout(() => tail(gen), 3000); // a sensor's next poke writes more
    }

    function open(n) {
      tryNo = n;
      offset = 0;
      generation++;
      clearTimeout(timer);
      log.replaceChildren();
      log.dataset.state = '';
      document.getElementById('log-try').textContent = n > 0 ? 'try ' + n : '';
      for (const tr of triesBody.querySelectorAll('tr.try'))
        tr.classList.toggle('shown', Number(tr.dataset.try) === n);
      if (n > 0) tail(generation);
      else stateEl.textContent = 'not started yet';
    }
    document.getElementById('tries').addEventListener('click', (ev) => {
      const b = ev.target.closest('button.show-log');
      if (!b) return;
      const n = Number(b.dataset.try);
      following = n >= latest;   // an older try: stay on it
      open(n);
      // the address names the try shown, so it can be linked; a notice
      // of a try asked for that is not there is about the address before
      const u = new URL(location.href);
      u.searchParams.set('try', String(n));
      history.replaceState(null, '', u);
      document.getElementById('try-notice')?.remove();
    });
    open(tryNo);
  }

  // --- the run page: delete the run after a confirmation ---
  function initRunDelete() {
    const box = document.getElementById('run-actions');
    if (!box) return;
    const dialog = document.getElementById('run-delete-dialog');
    document.getElementById('run-delete').addEventListener('click', () => { dialog.hidden = false; });
    document.getElementById('run-delete-cancel').addEventListener('click', () => { dialog.hidden = true; });
    document.getElementById('run-delete-confirm').addEventListener('click', async () => {
      dialog.hidden = true;
      try {
        await api('DELETE', '/dags/' + enc(box.dataset.dag) + '/runs/' + enc(box.dataset.partition));
        location.href = ROOT + box.dataset.dagHref;
      } catch (e) { status(e.message, true); }
    });
  }

  // --- the task page's Clear: this one task instance (an item NAME[i] of
  // a mapped task alone), the server's dry run listed first ---
  function initTaskClear() {
    const box = document.getElementById('ti');
    const btn = document.getElementById('ti-clear');
    if (!box || !btn) return;
    const dialog = document.getElementById('ti-clear-dialog');
    const body = (dry) => ({ tasks: [box.dataset.task], partitions: [box.dataset.partition],
      downstream: document.getElementById('ti-clear-downstream').checked, dry_run: dry });
    const path = '/dags/' + enc(box.dataset.dag) + '/clear';
    btn.addEventListener('click', async () => {
      try {
        const res = await api('POST', path, body(true));
        const tb = document.querySelector('#ti-clear-preview tbody');
        tb.replaceChildren();
        for (const ti of res.task_instances)
          tb.append(el('tr', {}, el('td', {}, ...nameText(ti.task)), el('td', {}, el('span', { class: 'badge st-' + ti.state }, ti.state))));
        const n = res.task_instances.length;
        document.getElementById('ti-clear-title').textContent = 'Clear ' + n + ' task instance' + (n === 1 ? '' : 's') + '?';
        document.getElementById('ti-clear-confirm').disabled = n === 0;
        dialog.hidden = false;
      } catch (e) { status(e.message, true); }
    });
    document.getElementById('ti-clear-cancel').addEventListener('click', () => { dialog.hidden = true; });
    document.getElementById('ti-clear-confirm').addEventListener('click', async () => {
      dialog.hidden = true;
      try {
        const res = await api('POST', path, body(false));
        status('cleared ' + res.count + ' task instance' + (res.count === 1 ? '' : 's'));
      } catch (e) { status(e.message, true); }
    });
  }

  // for the page scripts that load after this one (map.js, users.js)
  window.sluice = { ROOT, api, el, status, backfillSaid, fmtDuration, fmtTime, fmtSince, consequenceLines, partKey, nameText };
  // --- backfills (the backfills page, the DAG page's active ones): the
  // rows follow GET /backfills; cancel shows what it does first ---
  function backfillRow(b, withDag, canChange) {
    const active = b.state === 'queued' || b.state === 'running';
    const tr = el('tr', { class: 'backfill', 'data-id': b.id }, el('td', {}, b.id));
    if (withDag) tr.append(el('td', {}, el('a', { href: ROOT + '/dags/' + enc(b.dag) }, ...nameText(b.dag))));
    tr.append(
      el('td', { class: 'bf-state' }, el('span', { class: 'badge st-' + b.state }, b.state)),
      el('td', {}, el('progress', { class: 'bf-progress', value: b.done, max: b.total || 1 }), ' ',
        el('span', { class: 'bf-done' }, b.done + '/' + b.total), ' ',
        el('span', { class: 'bf-detail note' }, b.failed + '\u00a0failed, ' + b.running + '\u00a0running' +
          (b.removed > 0 ? ', ' + b.removed + '\u00a0removed' : ''))),
      el('td', { class: 'bf-eta' }, b.eta_s === null ? '-' : fmtDuration(b.eta_s * 1000)),
      el('td', { class: 'bf-range' }, partKey(b.from), '\u00a0… ', partKey(b.to), b.left_out > 0
        ? el('span', { class: 'bf-asked note' }, 'asked ', partKey(b.asked_from), '\u00a0… ', partKey(b.asked_to), ': ' +
          b.left_out + ' partition' + (b.left_out === 1 ? '' : 's') + ' outside start:/end: left out')
        : null),
      el('td', {}, b.only + (b.newest_first ? ', newest first' : '') +
        (b.max_active ? ', at most ' + b.max_active + ' at once' : '')),
      el('td', { class: 'bf-by' }, b.created_by + ', ', fmtTime(b.created_at, b.timezone || '')),
      el('td', {}, canChange && active
        ? el('button', { type: 'button', class: 'bf-cancel', 'data-id': b.id }, 'Cancel…') : ''));
    return tr;
  }

  async function refreshBackfills() {
    const table = document.getElementById('backfills');
    if (!table) return;
    const dag = table.dataset.dag;
    const canChange = table.dataset.canChange === '1';
    let list;
    try {
      list = (await api('GET', '/backfills' + (dag ? '?dag=' + enc(dag) : ''))).backfills;
    } catch (e) { return; }
    if (dag) list = list.filter((b) => b.state === 'queued' || b.state === 'running');
    const body = table.tBodies[0];
    body.replaceChildren(...list.map((b) => backfillRow(b, !dag, canChange)));
    const section = document.getElementById('dag-backfills');
    if (section) section.hidden = list.length === 0;
    const none = document.getElementById('no-backfills');
    if (none) none.hidden = list.length > 0;
  }

  function initBackfills() {
    const table = document.getElementById('backfills');
    if (!table) return;
    // Cancel… shows the server's dry run in a dialog: each queued run is
    // removed, each running one finishes or, with the box ticked (or a
    // shift-click), is killed
    const dialog = document.getElementById('bf-cancel-dialog');
    const killBox = document.getElementById('bf-cancel-kill');
    let shown = null;
    const plural = (n, what) => n + ' ' + what + (n === 1 ? '' : 's');
    function drawCancel() {
      const p = shown, kill = killBox.checked;
      document.getElementById('bf-cancel-title').textContent = 'Cancel backfill ' + p.id + ' of ' + p.dag + '?';
      document.getElementById('bf-cancel-summary').textContent = plural(p.remove.length, 'queued run') +
        ' will be removed; ' + plural(p.running.length, 'running run') + ' will ' + (kill ? 'be killed' : 'finish') + '.';
      document.querySelector('#bf-cancel-runs tbody').replaceChildren(
        ...p.remove.map((k) => el('tr', {}, el('td', {}, partKey(k)), el('td', {}, el('span', { class: 'badge st-queued' }, 'queued')),
          el('td', {}, 'removed'))),
        ...p.running.map((k) => el('tr', {}, el('td', {}, partKey(k)), el('td', {}, el('span', { class: 'badge st-running' }, 'running')),
          el('td', {}, kill ? 'killed: its unfinished tasks fail' : 'finishes'))));
    }
    killBox?.addEventListener('change', () => { if (shown) drawCancel(); });
    document.getElementById('bf-cancel-cancel')?.addEventListener('click', () => { dialog.hidden = true; shown = null; });
    document.getElementById('bf-cancel-confirm')?.addEventListener('click', async () => {
      const p = shown, kill = killBox.checked;
      dialog.hidden = true;
      shown = null;
      if (!p) return;
      try {
        const done = await api('POST', '/backfills/' + p.id + '/cancel', { kill });
        status('backfill ' + p.id + ' cancelled: ' + plural(done.remove.length, 'queued run') + ' removed, ' +
          plural(done.running.length, 'running run') + (kill ? ' killed' : ' left to finish'));
        await refreshBackfills();
      } catch (e) { status(e.message, true); }
    });
    table.addEventListener('click', async (ev) => {
      const b = ev.target.closest('button.bf-cancel');
      if (!b || !dialog) return;
      try {
        shown = await api('POST', '/backfills/' + b.dataset.id + '/cancel', { kill: false, dry_run: true });
        killBox.checked = ev.shiftKey;
        drawCancel();
        dialog.hidden = false;
      } catch (e) { status(e.message, true); }
    });
    setInterval(() => { if (!document.hidden) refreshBackfills(); }, 2000);
  }

  // --- the dialogs (every .modal: previews, delete, clear, users'): one
  // watch for them all, so the page scripts only show and hide them. Shown,
  // the focus goes into the dialog and Tab stays there; Escape is its
  // Cancel; hidden again, the focus goes back to what opened it ---
  function initDialogs() {
    const focusable = (box) => [...box.querySelectorAll('button, input, select, textarea, a[href], [tabindex="0"]')]
      .filter((e) => !e.disabled && e.getClientRects().length > 0);
    for (const modal of document.querySelectorAll('.modal')) {
      const dialog = modal.querySelector('.dialog');
      if (!dialog) continue;
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.tabIndex = -1;
      const title = dialog.querySelector('h2');
      if (title) {
        if (!title.id) title.id = modal.id + '-heading';
        dialog.setAttribute('aria-labelledby', title.id);
      }
      let opener = null;
      new MutationObserver(() => {
        if (!modal.hidden) {
          if (dialog.contains(document.activeElement)) return;
          opener = document.activeElement;
          (focusable(dialog)[0] || dialog).focus();
        } else if (opener) {
          // only if the focus was left in the dialog (not moved on by the page)
          if (!document.activeElement || document.activeElement === document.body || dialog.contains(document.activeElement))
            if (opener.isConnected) opener.focus();
          opener = null;
        }
      }).observe(modal, { attributes: true, attributeFilter: ['hidden'] });
      modal.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') {
          modal.querySelector('button[id$="-cancel"]')?.click();
          ev.preventDefault();
        } else if (ev.key === 'Tab') {
          const list = focusable(dialog);
          if (!list.length) return;
          const first = list[0], last = list[list.length - 1];
          if (ev.shiftKey && document.activeElement === first) { last.focus(); ev.preventDefault(); }
          else if (!ev.shiftKey && document.activeElement === last) { first.focus(); ev.preventDefault(); }
        }
      });
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    initDialogs();
    initRunDelete();
    initTaskClear();
    initPauseToggles();
    initDagFilter();
    initGrid();
    initGraph();
    initTask();
    initBackfills();
  });
})();
