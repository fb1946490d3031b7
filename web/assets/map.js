// The partition map page (web/pages_map.c): every expected partition of a
// range, from the compact form of GET /api/v1/dags/{dag}/partitions,
// drawn on a canvas (a year of hours is 8,760 cells: as elements, the
// browser's layout alone takes seconds) and polled, so cells change
// without a reload. An hourly DAG is days (columns) x 24 hours (rows); a
// daily one a calendar of weeks x 7 days; any other cadence a strip. Drag
// over cells to select a range; a click opens the grid at that partition
// (or, on one without a run, selects it).
// A dataset's page (web/pages_datasets.c) draws the producing task's map
// the same way: data-api names its endpoint, clicks open the producer's
// grid. Uses app.js's helpers (window.sluice).
'use strict';

(function () {
  const root = document.getElementById('map');
  if (!root || !window.sluice) return;
  const { api, el, status, consequenceLines } = window.sluice;
  const enc = encodeURIComponent;
  const dag = root.dataset.dag;
  const canChange = root.dataset.canChange === '1';
  const tip = document.getElementById('map-tip');
  const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const LEFT = 46, TOP = 16, GAP = 1;

  const canvas = document.createElement('canvas');
  canvas.id = 'map-canvas';
  root.append(canvas);
  const ctx = canvas.getContext('2d');
  const css = getComputedStyle(document.documentElement);
  const colors = {};
  const color = (state) => colors[state] || (colors[state] = css.getPropertyValue('--m-' + state).trim() || '#ccc');

  let names = {};          // code -> state name
  let codes = '';          // one code per partition
  let starts = [];         // their starts (s)
  let offs = [];           // the zone's offset at each start (s)
  let L = null;            // the layout: pos, labels, cols, rows, cell size
  let at = null;           // row * cols + col -> index + 1
  let layoutKey = '';
  let sel = null;          // {a, b}: a selected range of indexes
  let drag = null;         // {a, moved} while the mouse is down
  let loads = 0;

  const pad = (n) => String(n).padStart(2, '0');
  // the partition key of a start: ISO-8601 in the DAG's zone with its offset
  function keyOf(t, off) {
    const d = new Date((t + off) * 1000), a = Math.abs(off);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + 'T' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) +
      (off < 0 ? '-' : '+') + pad(Math.floor(a / 3600)) + ':' + pad(Math.floor(a % 3600 / 60));
  }
  const key = (i) => keyOf(starts[i], offs[i]);
  // each start's offset from the reply's utc_offsets ([from_s, offset] by from)
  function offsetsOf(v, spans) {
    const out = new Array(v.length);
    let k = 0;
    for (let i = 0; i < v.length; i++) {
      while (k + 1 < spans.length && spans[k + 1][0] <= v[i]) k++;
      out[i] = spans.length ? spans[k][1] : 0;
    }
    return out;
  }

  // Where each partition goes: [row, column] from 0, and the axis labels
  // ([x or row, text] per side).
  function layout(step) {
    const n = starts.length, pos = new Array(n), top = [], left = [];
    const localDay = (i) => Math.floor((starts[i] + offs[i]) / 86400);
    const month = (day) => new Date(day * 86400000).toISOString().slice(0, 7);
    if (step === 3600 && n > 0) {
      // hourly: a column per local day, a row per hour (a repeated hour: row 25)
      const first = localDay(0);
      let prevDay = -1, prevHour = -1, rows = 24;
      for (let i = 0; i < n; i++) {
        const day = localDay(i), hour = Math.floor(((starts[i] + offs[i]) % 86400) / 3600);
        let row = hour;
        if (day === prevDay && hour <= prevHour) { row = 24; rows = 25; }
        pos[i] = [row, day - first];
        if (day !== prevDay && (i === 0 || new Date(day * 86400000).getUTCDate() === 1))
          top.push([day - first, month(day)]);
        prevDay = day;
        prevHour = row === 24 ? 99 : hour;
      }
      for (const h of [0, 6, 12, 18]) left.push([h, pad(h) + ':00']);
      if (rows === 25) left.push([24, 'DST']);
      return { pos, top, left, cols: localDay(n - 1) - first + 1, rows, kind: 'hourly' };
    }
    const daily = n > 1 && starts.slice(1, 40).every((t, k) => Math.abs(t - starts[k] - 86400) <= 3600);
    if (daily) {
      // a calendar: a column per week (from Monday), a row per weekday
      const first = localDay(0), monday0 = first - ((first + 3) % 7);
      for (let i = 0; i < n; i++) {
        const day = localDay(i), week = Math.floor((day - monday0) / 7);
        pos[i] = [(day + 3) % 7, week];
        if (i === 0 || new Date(day * 86400000).getUTCDate() === 1) top.push([week, month(day)]);
      }
      WEEKDAYS.forEach((w, k) => left.push([k, w]));
      return { pos, top, left, cols: Math.floor((localDay(n - 1) - monday0) / 7) + 1, rows: 7, kind: 'daily' };
    }
    // a strip, 60 partitions a line
    for (let i = 0; i < n; i++) pos[i] = [Math.floor(i / 60), i % 60];
    for (let r = 0; r * 60 < n; r++) left.push([r, key(r * 60).slice(5, 16).replace('T', ' ')]);
    return { pos, top, left, cols: Math.max(1, Math.min(n, 60)), rows: Math.max(1, Math.ceil(n / 60)), kind: 'strip' };
  }

  function size() {
    const avail = Math.max(300, root.parentElement.clientWidth - LEFT - 30);
    L.cw = Math.max(2, Math.min(L.kind === 'hourly' ? 14 : 16, Math.floor(avail / L.cols) - GAP));
    L.ch = L.kind === 'hourly' ? 11 : Math.max(L.cw, 12);
    const w = LEFT + L.cols * (L.cw + GAP) + 44, h = TOP + L.rows * (L.ch + GAP);   // room for the last label
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.ceil(w * dpr);
    canvas.height = Math.ceil(h * dpr);
    canvas.style.width = w + 'px';
    canvas.style.height = h + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    at = new Int32Array(L.cols * L.rows);
    for (let i = 0; i < starts.length; i++) at[L.pos[i][0] * L.cols + L.pos[i][1]] = i + 1;
  }

  const inSel = (i) => sel && i >= Math.min(sel.a, sel.b) && i <= Math.max(sel.a, sel.b);
  function cellXY(i) {
    return [LEFT + L.pos[i][1] * (L.cw + GAP), TOP + L.pos[i][0] * (L.ch + GAP)];
  }
  function drawCell(i) {
    const [x, y] = cellXY(i), state = names[codes[i]];
    ctx.clearRect(x - 1, y - 1, L.cw + 2, L.ch + 2);
    ctx.fillStyle = color(state);
    ctx.fillRect(x, y, L.cw, L.ch);
    if (state === 'missing') {
      ctx.strokeStyle = '#d9363e';
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, Math.max(1, L.cw - 1), L.ch - 1);
    }
    if (inSel(i)) {
      ctx.fillStyle = 'rgba(29,35,48,.55)';
      ctx.fillRect(x, y, L.cw, 2);
      ctx.fillRect(x, y + L.ch - 2, L.cw, 2);
    }
  }
  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#667085';
    ctx.font = '10.5px system-ui, sans-serif';
    ctx.textBaseline = 'top';
    for (const [col, text] of L.top) ctx.fillText(text, LEFT + col * (L.cw + GAP), 2);
    ctx.textBaseline = 'middle';
    for (const [row, text] of L.left) ctx.fillText(text, 2, TOP + row * (L.ch + GAP) + L.ch / 2);
    // one colour at a time, then what goes over the fill
    const byState = {};
    for (let i = 0; i < starts.length; i++) (byState[codes[i]] = byState[codes[i]] || []).push(i);
    for (const [code, list] of Object.entries(byState)) {
      ctx.fillStyle = color(names[code]);
      for (const i of list) {
        const [x, y] = cellXY(i);
        ctx.fillRect(x, y, L.cw, L.ch);
      }
      if (names[code] === 'missing' || sel) for (const i of list) if (names[code] === 'missing' || inSel(i)) drawCell(i);
    }
  }

  function counts() {
    const n = {};
    for (const c of codes) n[c] = (n[c] || 0) + 1;
    for (const [code, name] of Object.entries(names)) {
      const b = document.querySelector('.map-count[data-count="' + name + '"]');
      if (b) b.textContent = n[code] || 0;
    }
    root.dataset.counts = JSON.stringify(Object.fromEntries(Object.entries(names).map(([c, s]) => [s, n[c] || 0])));
  }

  let first = true;
  // the first map comes in the page (a JSON data block); later ones from the API
  const inline = document.getElementById('map-data');
  async function load() {
    let res;
    if (first && inline) {
      res = JSON.parse(inline.textContent);
      inline.remove();
    } else {
      const q = new URLSearchParams({ format: 'compact' });
      if (root.dataset.from) q.set('from', root.dataset.from);
      if (root.dataset.to) q.set('to', root.dataset.to);
      res = await api('GET', (root.dataset.api || '/dags/' + enc(dag) + '/partitions') + '?' + q);
    }
    if (first) root.dataset.fetchedMs = Math.round(performance.now());
    names = res.legend;
    const lk = res.count + ':' + res.start_s + ':' + res.step_s;
    if (lk !== layoutKey) {
      starts = res.step_s ? Array.from({ length: res.count }, (_, i) => res.start_s + i * res.step_s) : (res.starts || []);
      offs = offsetsOf(starts, res.utc_offsets || []);
      codes = res.codes;
      layoutKey = lk;
      L = layout(res.step_s);
      root.dataset.layout = L.kind;
      size();
      draw();
      if (first) root.dataset.renderedMs = Math.round(performance.now());
    } else {
      // the same partitions: repaint the cells whose state changed
      const old = codes;
      codes = res.codes;
      for (let i = 0; i < codes.length; i++) if (codes[i] !== old[i]) drawCell(i);
    }
    counts();
    updateActions();
    if (first) {
      first = false;
      requestAnimationFrame(() => { root.dataset.paintedMs = Math.round(performance.now()); });
    }
    root.dataset.loads = String(++loads);
  }

  // --- selection ---
  function setSel(next) {
    const before = sel;
    sel = next;
    for (const s of [before, sel])
      if (s) for (let i = Math.min(s.a, s.b); i <= Math.max(s.a, s.b); i++) drawCell(i);
    updateActions();
  }
  function selected(stateName) {
    if (!sel) return [];
    const out = [];
    for (let i = Math.min(sel.a, sel.b); i <= Math.max(sel.a, sel.b); i++)
      if (!stateName || names[codes[i]] === stateName) out.push(i);
    return out;
  }
  function updateActions() {
    const info = document.getElementById('map-selection');
    if (!info) return;
    const all = selected(), missing = selected('missing'), failed = selected('failed');
    info.textContent = all.length ? all.length + ' selected: ' + key(all[0]) + ' … ' + key(all[all.length - 1]) +
      ' (' + missing.length + ' missing, ' + failed.length + ' failed)' : 'drag over cells to select a range';
    document.getElementById('map-backfill').disabled = missing.length === 0;
    document.getElementById('map-clear-failed').disabled = failed.length === 0;
    document.getElementById('map-clear-range').disabled = all.length === 0;
  }

  // the partition under the pointer, or -1
  function cellAt(ev) {
    if (!L) return -1;
    const r = canvas.getBoundingClientRect();
    const col = Math.floor((ev.clientX - r.left - LEFT) / (L.cw + GAP));
    const row = Math.floor((ev.clientY - r.top - TOP) / (L.ch + GAP));
    if (col < 0 || row < 0 || col >= L.cols || row >= L.rows) return -1;
    return at[row * L.cols + col] - 1;
  }
  function dragTo(i) {
    if (!drag || !canChange || i < 0 || (i === drag.a && !drag.moved)) return;
    drag.moved = true;
    if (!sel || sel.a !== drag.a || sel.b !== i) setSel({ a: drag.a, b: i });
  }
  canvas.addEventListener('mousedown', (ev) => {
    const i = cellAt(ev);
    if (i < 0 || ev.button !== 0) return;
    ev.preventDefault();
    drag = { a: i, moved: false };
  });
  document.addEventListener('mouseup', (ev) => {
    if (!drag) return;
    const i = cellAt(ev), d = drag;
    dragTo(i);
    drag = null;
    if (d.moved || i !== d.a) return;
    // a click: the grid at that partition; one without a run is selected
    // instead (the grid lists runs), for a backfill
    if (['missing', 'future'].includes(names[codes[i]])) {
      if (canChange) setSel({ a: i, b: i });
    } else
      location.href = '/dags/' + enc(dag) + '?at=' + enc(key(i));
  });
  canvas.addEventListener('mousemove', (ev) => {
    const i = cellAt(ev);
    if (i < 0) { tip.hidden = true; canvas.style.cursor = ''; return; }
    canvas.style.cursor = 'pointer';
    dragTo(i);
    tip.textContent = key(i) + '\n' + names[codes[i]];
    tip.style.left = (ev.clientX + 12) + 'px';
    tip.style.top = (ev.clientY + 12) + 'px';
    tip.hidden = false;
  });
  canvas.addEventListener('mouseleave', () => { tip.hidden = true; });

  // what a test (or a person at the console) can ask the map
  window.sluiceMap = {
    count: (state) => [...codes].filter((c) => names[c] === state).length,
    state: (i) => names[codes[i]],
    key,
    // the middle of cell i, in the page's coordinates
    center: (i) => {
      const r = canvas.getBoundingClientRect(), [x, y] = cellXY(i);
      return { x: r.left + x + L.cw / 2, y: r.top + y + L.ch / 2 };
    },
    selected: () => selected().length,
  };

  // --- actions: a preview first, then the same endpoints as the grid ---
  const modal = document.getElementById('map-preview');
  let pending = null;
  function preview(title, summary, rows, action, extra) {
    document.getElementById('map-preview-title').textContent = title;
    document.getElementById('map-preview-summary').textContent = summary;
    const more = document.getElementById('map-preview-extra');
    if (more) more.replaceChildren(...(extra || []).map((line) => el('p', {}, line)));
    const tb = document.querySelector('#map-preview-table tbody');
    tb.replaceChildren();
    for (const r of rows)
      tb.append(el('tr', {}, el('td', {}, r.partition), el('td', {}, r.task),
        el('td', {}, el('span', { class: 'badge st-' + r.state }, r.state))));
    document.getElementById('map-preview-confirm').disabled = rows.length === 0;
    pending = action;
    modal.hidden = false;
  }
  document.getElementById('map-preview-cancel')?.addEventListener('click', () => { modal.hidden = true; pending = null; });
  document.getElementById('map-preview-confirm')?.addEventListener('click', async () => {
    const action = pending;
    modal.hidden = true;
    pending = null;
    if (!action) return;
    try {
      status(await action());
      setSel(null);
      await load();
    } catch (e) { status(e.message, true); }
  });

  document.getElementById('map-backfill')?.addEventListener('click', () => {
    const miss = selected('missing');
    if (!miss.length) return;
    const from = key(miss[0]), to = key(miss[miss.length - 1]);
    preview('Backfill ' + miss.length + ' missing partition' + (miss.length === 1 ? '' : 's') + '?',
      'A run is created for each partition from ' + from + ' to ' + to + ' that has none:',
      miss.map((i) => ({ partition: key(i), task: 'all', state: 'missing' })), async () => {
        const res = await api('POST', '/dags/' + enc(dag) + '/backfill', { from, to });
        return 'backfill: ' + res.created.length + ' run(s) created';
      });
  });
  async function clearRange(onlyFailed) {
    const all = selected(onlyFailed ? 'failed' : null);
    if (!all.length) return;
    const body = { from: key(all[0]), to: key(all[all.length - 1]), only_failed: onlyFailed };
    try {
      const res = await api('POST', '/dags/' + enc(dag) + '/clear', Object.assign({ dry_run: true }, body));
      preview('Clear ' + res.count + ' task instance' + (res.count === 1 ? '' : 's') + '?',
        'These task instances of ' + res.partitions.length + ' run(s) will be reset and run again:',
        res.task_instances, async () => {
          const done = await api('POST', '/dags/' + enc(dag) + '/clear', body);
          return 'cleared ' + done.count + ' task instance' + (done.count === 1 ? '' : 's');
        }, consequenceLines(res.consequences));
    } catch (e) { status(e.message, true); }
  }
  document.getElementById('map-clear-failed')?.addEventListener('click', () => clearRange(true));
  document.getElementById('map-clear-range')?.addEventListener('click', () => clearRange(false));

  load().catch((e) => status(e.message, true));
  // live: poll the compact map while the page is visible and no dialog is open
  setInterval(() => {
    if (!document.hidden && modal.hidden && !drag) load().catch(() => { /* the next poll tries again */ });
  }, 2000);
})();
