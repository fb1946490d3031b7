// The partition map page (web/pages_map.c): every expected partition of a
// range, from the compact form of GET /api/v1/dags/{dag}/partitions,
// drawn on a canvas (a year of hours is 8,760 cells: as elements, the
// browser's layout alone takes seconds) and polled, so cells change
// without a reload. An hourly DAG is days (columns) x 24 hours (rows); a
// daily one a calendar of weeks x 7 days; any other cadence a strip. Drag
// over cells to select a range; a click opens the grid at that partition
// (or, on one without a run where a person may backfill, selects it; a
// future one opens nothing).
// A dataset's page (web/pages_datasets.c) draws the producing task's map
// the same way: data-api names its endpoint, clicks open the producer's
// grid. Uses app.js's helpers (window.sluice) once the page has loaded.
'use strict';

(function () {
  const root = document.getElementById('map');
  if (!root) return;
  // The page carries the map as a picture the server drew (#map-img,
  // web/map_image.c), which the browser paints in its first frame; the
  // canvas takes its place once that frame is on screen (drawing it
  // sooner takes the CPU from the frame that shows the picture), so this
  // script never delays it. Without a picture (a range naming nothing) it
  // runs at once.
  const img = document.getElementById('map-img');
  // A map wider than its box (a year of hours on a phone) scrolls; it
  // opens at its newest end, the one a person came to see: the picture
  // is scrolled there now, before the first frame, and the canvas after
  // it, unless the map was scrolled meanwhile.
  const wrap = root.parentElement;
  const toNewest = () => { wrap.scrollLeft = wrap.scrollWidth; };
  const atNewest = () => wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1;
  toNewest();
  let pictureMs = null;    // when the browser showed the picture (Element Timing)
  if (img && (PerformanceObserver.supportedEntryTypes || []).includes('element')) {
    let started = false;
    const go = () => { if (!started) { started = true; setTimeout(main); } };
    new PerformanceObserver((list, obs) => {
      for (const e of list.getEntries())
        if (e.identifier === 'map') { pictureMs = e.renderTime || e.startTime; obs.disconnect(); go(); }
    }).observe({ type: 'element', buffered: true });
    setTimeout(go, 1000);    // never reported
  } else if (img) requestAnimationFrame(() => setTimeout(main));
  else main();

  function main() {
    // app.js's helpers, looked up when used: this script runs where the page
    // ends, before app.js (deferred), so the year is drawn without waiting
    // for it; the first use of any of them comes after the page has loaded
    const api = (...a) => window.sluice.api(...a), el = (...a) => window.sluice.el(...a);
    const status = (...a) => window.sluice.status(...a);
    const consequenceLines = (...a) => window.sluice.consequenceLines(...a);
    const partKey = (...a) => window.sluice.partKey(...a);
    const enc = encodeURIComponent;
    const dag = root.dataset.dag;
    const canChange = root.dataset.canChange === '1';
    const tip = document.getElementById('map-tip');
    const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const LEFT = 46, TOP = 16, GAP = 1, LABEL_ROOM = 44;
    const MAX_SIDE = 32000, MAX_AREA = 1 << 26;

    const keepNewest = atNewest();
    const canvas = document.createElement('canvas');
    canvas.id = 'map-canvas';
    root.append(canvas);
    img?.remove();
    const ctx = canvas.getContext('2d');
    const css = getComputedStyle(document.documentElement);
    const colors = {};
    const color = (state) => colors[state] || (colors[state] = css.getPropertyValue('--m-' + state).trim() || '#ccc');
    const SEL = 'rgba(29,35,48,.55)', FOCUS = '#1a6fd8';   // the grid's focus blue
    // a missing partition is absent data, not an alarm: a light cell
    // hatched in a neutral grey, with a neutral edge where cells are wide
    // enough for one (a year's 2-pixel cells would be all edge: a mesh)
    const HATCH = 4, EDGE_MIN = 6;
    const hatch = (() => {
      const t = document.createElement('canvas'), g = t.getContext('2d');
      t.width = t.height = HATCH;
      g.fillStyle = color('missing');
      g.fillRect(0, 0, HATCH, HATCH);
      g.strokeStyle = css.getPropertyValue('--m-missing-hatch').trim() || '#b3bac6';
      g.lineWidth = 1;
      g.beginPath();
      for (const k of [-HATCH, 0, HATCH]) { g.moveTo(k, HATCH); g.lineTo(k + HATCH, 0); }
      g.stroke();
      return ctx.createPattern(t, 'repeat');
    })();
    const MISSING_EDGE = css.getPropertyValue('--m-missing-edge').trim() || '#8b95a7';

    let names = {};          // code -> state name
    let codes = '';          // one code per partition
    let starts = [];         // their starts (s)
    let offs = [];           // the zone's offset at each start (s)
    let L = null;            // the layout: rowOf, colOf, labels, cols, rows, cell size
    let at = null;           // row * cols + col -> index + 1
    let layoutKey = '';
    let sel = null;          // {a, b}: a selected range of indexes
    let drag = null;         // {a, moved} while the mouse is down
    let loads = 0;
    let topLabels = [];      // the month labels drawn: {text, x, w}
    let focusIdx = -1;       // the keyboard's partition (index), -1: none yet

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
      const out = new Int32Array(v.length);
      if (spans.length < 2) return out.fill(spans.length ? spans[0][1] : 0);   // one offset (UTC): no search
      let k = 0;
      for (let i = 0; i < v.length; i++) {
        while (k + 1 < spans.length && spans[k + 1][0] <= v[i]) k++;
        out[i] = spans.length ? spans[k][1] : 0;
      }
      return out;
    }

    // Where each partition goes: its row and column from 0, and the axis
    // labels ([x or row, text] per side).
    function layout(step) {
      const n = starts.length, rowOf = new Int32Array(n), colOf = new Int32Array(n), top = [], left = [];
      const localDay = (i) => Math.floor((starts[i] + offs[i]) / 86400);
      const month = (day) => new Date(day * 86400000).toISOString().slice(0, 7);
      const firstOfMonth = (day) => new Date(day * 86400000).getUTCDate() === 1;
      if (step === 3600 && n > 0) {
        // hourly: a column per local day, a row per hour (a repeated hour: row 25)
        const first = localDay(0);
        let prevDay = -1, prevHour = -1, rows = 24;
        for (let i = 0; i < n; i++) {
          const local = starts[i] + offs[i], day = Math.floor(local / 86400);
          const hour = Math.floor((local - day * 86400) / 3600);
          let row = hour;
          if (day === prevDay && hour <= prevHour) { row = 24; rows = 25; }
          rowOf[i] = row;
          colOf[i] = day - first;
          if (day !== prevDay && (i === 0 || firstOfMonth(day))) top.push([day - first, month(day)]);
          prevDay = day;
          prevHour = hour;      // the hours after a repeated one go to their own rows
        }
        for (const h of [0, 6, 12, 18]) left.push([h, pad(h) + ':00']);
        if (rows === 25) left.push([24, 'DST']);
        return { rowOf, colOf, top, left, cols: localDay(n - 1) - first + 1, rows, kind: 'hourly' };
      }
      let daily = n > 1;
      for (let k = 1; daily && k < Math.min(n, 40); k++) daily = Math.abs(starts[k] - starts[k - 1] - 86400) <= 3600;
      if (daily) {
        // a calendar: a column per week (from Monday), a row per weekday
        const first = localDay(0), monday0 = first - ((first + 3) % 7);
        for (let i = 0; i < n; i++) {
          const day = localDay(i), week = Math.floor((day - monday0) / 7);
          rowOf[i] = (day + 3) % 7;
          colOf[i] = week;
          if (i === 0 || firstOfMonth(day)) top.push([week, month(day)]);
        }
        WEEKDAYS.forEach((w, k) => left.push([k, w]));
        return { rowOf, colOf, top, left, cols: Math.floor((localDay(n - 1) - monday0) / 7) + 1, rows: 7, kind: 'daily' };
      }
      // a strip, 60 partitions a line
      for (let i = 0; i < n; i++) { rowOf[i] = Math.floor(i / 60); colOf[i] = i % 60; }
      for (let r = 0; r * 60 < n; r++) left.push([r, key(r * 60).slice(5, 16).replace('T', ' ')]);
      return { rowOf, colOf, top, left, cols: Math.max(1, Math.min(n, 60)), rows: Math.max(1, Math.ceil(n / 60)), kind: 'strip' };
    }

    function size() {
      const avail = Math.max(300, root.parentElement.clientWidth - LEFT - 30);
      L.cw = Math.max(2, Math.min(L.kind === 'hourly' ? 14 : 16, Math.floor(avail / L.cols) - GAP));
      L.ch = L.kind === 'hourly' ? 11 : Math.max(L.cw, 12);
      // a long strip (the newest 200,000 minutes are 3,334 lines) gets
      // lower cells, so the map stays a canvas the browser can hold
      if (L.rows * (L.ch + GAP) > MAX_SIDE - TOP) L.ch = Math.max(2, Math.floor((MAX_SIDE - TOP) / L.rows) - GAP);
      // room for the last month's label past the cells, as much as the
      // map's box has left, at most LABEL_ROOM (a label that would pass
      // the canvas's edge is drawn ending at it): the canvas never widens
      // the box (cells of the least size do: the map then scrolls)
      const cells = LEFT + L.cols * (L.cw + GAP), h = TOP + L.rows * (L.ch + GAP);
      const w = Math.max(cells, Math.min(cells + LABEL_ROOM, root.clientWidth));
      L.w = w;
      L.sizedFor = root.clientWidth;
      // the backing store at the screen's density, as far as a canvas
      // can go (a side of 32,767 pixels, an area of 2^26): a tab that
      // asks for more is killed
      const dpr = Math.min(window.devicePixelRatio || 1, MAX_SIDE / Math.max(w, h),
                           Math.sqrt(MAX_AREA / (w * h)));
      canvas.width = Math.ceil(w * dpr);
      canvas.height = Math.ceil(h * dpr);
      canvas.style.width = w + 'px';
      canvas.style.height = h + 'px';
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      at = new Int32Array(L.cols * L.rows);
      for (let i = 0; i < starts.length; i++) at[L.rowOf[i] * L.cols + L.colOf[i]] = i + 1;
    }

    const inSel = (i) => sel && i >= Math.min(sel.a, sel.b) && i <= Math.max(sel.a, sel.b);
    function cellXY(i) {
      return [LEFT + L.colOf[i] * (L.cw + GAP), TOP + L.rowOf[i] * (L.ch + GAP)];
    }
    // one cell, drawn over what was there (a change of state, the selection)
    function drawCell(i) {
      const [x, y] = cellXY(i), state = names[codes[i]];
      ctx.clearRect(x - 1, y - 1, L.cw + 2, L.ch + 2);
      ctx.fillStyle = state === 'missing' ? hatch : color(state);
      ctx.fillRect(x, y, L.cw, L.ch);
      if (state === 'missing' && L.cw >= EDGE_MIN) {
        ctx.strokeStyle = MISSING_EDGE;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, L.cw - 1, L.ch - 1);
      }
      if (inSel(i)) {
        ctx.fillStyle = SEL;
        ctx.fillRect(x, y, L.cw, 2);
        ctx.fillRect(x, y + L.ch - 2, L.cw, 2);
      }
      if (i === focusIdx && document.activeElement === canvas) {
        // the keyboard's cell: a ring in the gap around it (what the
        // clearRect above clears, so the next draw takes it away whole)
        ctx.strokeStyle = FOCUS;
        ctx.lineWidth = 1;
        ctx.strokeRect(x - 0.5, y - 0.5, L.cw + 1, L.ch + 1);
      }
    }

    // a CSS colour as [r, g, b] (the canvas says how it reads it)
    function rgbOf(c) {
      ctx.fillStyle = '#000';
      ctx.fillStyle = c;
      const v = ctx.fillStyle;
      if (v[0] === '#') return [1, 3, 5].map((k) => parseInt(v.slice(k, k + 2), 16));
      return (v.match(/[\d.]+/g) || [0, 0, 0]).slice(0, 3).map(Number);
    }
    const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    const word = ([r, g, b]) => little ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
    const small = document.createElement('canvas');

    // The whole map in a few calls: one pixel per cell (column, row) in a
    // small image, scaled up without smoothing so each pixel fills its
    // cell and the gap after it, the gaps cleared, then what goes over the
    // fill (a missing cell's hatch and edge, the selection) and the labels.
    function draw() {
      const stepX = L.cw + GAP, stepY = L.ch + GAP, n = starts.length, w = L.cols * stepX, h = L.rows * stepY;
      const img = new ImageData(L.cols, L.rows), px = new Uint32Array(img.data.buffer), fill = new Uint32Array(128);
      for (const [code, name] of Object.entries(names)) fill[code.charCodeAt(0) & 127] = word(rgbOf(color(name)));
      for (let i = 0; i < n; i++) px[L.rowOf[i] * L.cols + L.colOf[i]] = fill[codes.charCodeAt(i) & 127];
      small.width = L.cols;
      small.height = L.rows;
      small.getContext('2d').putImageData(img, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, LEFT, TOP, w, h);
      for (let c = 0; c < L.cols; c++) ctx.clearRect(LEFT + c * stepX + L.cw, TOP, GAP, h);
      for (let r = 0; r < L.rows; r++) ctx.clearRect(LEFT, TOP + r * stepY + L.ch, w, GAP);
      // the missing cells' hatch (and edges) in one path: a missing month
      // costs two fills, not a draw per cell
      const missing = Object.keys(names).find((c) => names[c] === 'missing');
      if (missing) {
        const cells = new Path2D(), edges = new Path2D();
        for (let i = codes.indexOf(missing); i >= 0; i = codes.indexOf(missing, i + 1)) {
          const [x, y] = cellXY(i);
          cells.rect(x, y, L.cw, L.ch);
          edges.rect(x + 0.5, y + 0.5, L.cw - 1, L.ch - 1);
        }
        ctx.fillStyle = hatch;
        ctx.fill(cells);
        if (L.cw >= EDGE_MIN) {
          ctx.strokeStyle = MISSING_EDGE;
          ctx.lineWidth = 1;
          ctx.stroke(edges);
        }
      }
      if (sel) for (let i = Math.min(sel.a, sel.b); i <= Math.max(sel.a, sel.b); i++) drawCell(i);
    if (focusIdx >= 0 && focusIdx < n) drawCell(focusIdx);
      ctx.fillStyle = '#667085';
      ctx.font = '10.5px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      // month labels from the right: one that would run into the next
      // month's (a first, partial month a column or two wide) is left out
      const drawn = [];
      let nextX = Infinity;
      for (let k = L.top.length - 1; k >= 0; k--) {
        const [col, text] = L.top[k], w = ctx.measureText(text).width, x = Math.min(LEFT + col * stepX, L.w - w);
        if (x + w + 4 > nextX) continue;
        ctx.fillText(text, x, 2);
        drawn.unshift({ text, x, w });
        nextX = x;
      }
      topLabels = drawn;
      ctx.textBaseline = 'middle';
      // a label a line, but where lines are lower than the text (a long
      // strip) only as many as fit, each clear of the one above
      let nextY = -Infinity;
      for (const [row, text] of L.left) {
        const y = TOP + row * stepY + L.ch / 2;
        if (y < nextY) continue;
        ctx.fillText(text, 2, y);
        nextY = y + 12;
      }
    }

    function counts() {
      const n = new Int32Array(128);
      for (let i = 0; i < codes.length; i++) n[codes.charCodeAt(i) & 127]++;
      const byName = {};
      for (const [code, name] of Object.entries(names)) {
        byName[name] = n[code.charCodeAt(0) & 127];
        const b = document.querySelector('.map-count[data-count="' + name + '"]');
        if (b) b.textContent = byName[name];
      }
      root.dataset.counts = JSON.stringify(byName);
    }

    // when the whole map was first on screen (data-painted-ms, read by
    // bench/partition_map.sh): the picture's paint as the browser reported
    // it, else the frame after the canvas was drawn
    function painted() {
      if (pictureMs !== null) root.dataset.paintedMs = String(Math.round(pictureMs));
      else requestAnimationFrame(() => { root.dataset.paintedMs = String(Math.round(performance.now())); });
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
        if (res.step_s) {
          starts = new Float64Array(res.count);
          for (let i = 0; i < res.count; i++) starts[i] = res.start_s + i * res.step_s;
        } else starts = Float64Array.from(res.starts || []);
        offs = offsetsOf(starts, res.utc_offsets || []);
        codes = res.codes;
        layoutKey = lk;
        L = layout(res.step_s);
        root.dataset.layout = L.kind;
        size();
        draw();
        if (first && keepNewest) toNewest();
        if (first) root.dataset.renderedMs = Math.round(performance.now());
      } else {
        // the same partitions: repaint the cells whose state changed
        const old = codes;
        codes = res.codes;
        for (let i = 0; i < codes.length; i++) if (codes[i] !== old[i]) drawCell(i);
        if (focusIdx >= 0 && focusIdx < codes.length) drawCell(focusIdx);   // a neighbour's redraw clears the ring's edge
      }
      counts();
      updateActions();
      if (first) {
        first = false;
        painted();
      }
      root.dataset.loads = String(++loads);
    }

    // --- selection ---
    function setSel(next) {
      const before = sel;
      sel = next;
      // a new selection: the last action's result is about another one
      // (cleared when a drag ends: the line's height must not move the
      // map under the pointer while it lasts)
      if (next && !drag) status('');
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
    // the selected partitions that may have no run: missing ones, and late
    // ones (a partition past its freshness deadline is late whether it has
    // a run or not; the backfill's dry run says which have none)
    const mayLackRun = () => selected().filter((i) => ['missing', 'late'].includes(names[codes[i]]));
    const selectionText = (n, first, last, missing, late, failed) => n ? n + ' selected: ' + first + ' … ' + last +
      ' (' + missing + ' missing, ' + (late ? late + ' late, ' : '') + failed + ' failed)' :
      'drag over cells to select a range';
    function updateActions() {
      const info = document.getElementById('map-selection');
      if (!info) return;
      const all = selected(), missing = selected('missing'), late = selected('late'), failed = selected('failed');
      info.textContent = all.length ? selectionText(all.length, key(all[0]), key(all[all.length - 1]),
        missing.length, late.length, failed.length) : selectionText(0);
      document.getElementById('map-backfill').disabled = mayLackRun().length === 0;
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
      if (d.moved) status('');
      if (d.moved || i !== d.a) return;
      openOrSelect(i);
    });
    // a click (or Enter): the grid at that partition (a missing one is a
    // never-run row there); where a person may backfill, one without a
    // run is selected instead, for a backfill; a future one has nothing
    // to show yet (the grid answers "no run for partition")
    function openOrSelect(i) {
      const st = names[codes[i]];
      if (canChange && (st === 'missing' || st === 'future')) setSel({ a: i, b: i });
      else if (st !== 'future')
        location.href = (document.documentElement.dataset.root || '') + '/dags/' + enc(dag) + '?at=' + enc(key(i));
    }
    // the tip naming partition i beside the point (x, y) of the window, on
    // its left near the window's right edge (and above it near the
    // bottom), so the whole tip stays in view
    function showTip(i, px, py) {
      tip.textContent = key(i) + '\n' + names[codes[i]];
      tip.hidden = false;
      const w = tip.offsetWidth, h = tip.offsetHeight;
      const x = px + 12 + w > innerWidth ? px - 12 - w : px + 12;
      const y = py + 12 + h > innerHeight ? py - 12 - h : py + 12;
      tip.style.left = Math.max(0, x) + 'px';
      tip.style.top = Math.max(0, y) + 'px';
    }
    canvas.addEventListener('mousemove', (ev) => {
      const i = cellAt(ev);
      if (i < 0) { tip.hidden = true; canvas.style.cursor = ''; return; }
      canvas.style.cursor = 'pointer';
      dragTo(i);
      showTip(i, ev.clientX, ev.clientY);
    });
    canvas.addEventListener('mouseleave', () => { if (document.activeElement !== canvas) tip.hidden = true; });

    // --- the keyboard: the map is one tab stop; the arrows move a ringed
    // cell as the map is drawn (left and right a column, up and down a
    // row; past a column's end, up and down go on in time), Home and End
    // to the first and last partition; Enter does what a click does, Space
    // selects the cell (Shift+Space: the range from the selection's
    // start); the tip names the cell (and is read out: aria-live) ---
    canvas.tabIndex = 0;
    canvas.setAttribute('aria-label', 'partition map: the arrow keys move between partitions, ' +
      'Enter opens one' + (canChange ? ', Space selects (Shift+Space a range)' : ''));
    tip.setAttribute('aria-live', 'polite');
    const cellRC = (row, col) => (row < 0 || col < 0 || row >= L.rows || col >= L.cols ? -1 : at[row * L.cols + col] - 1);
    function focusCell(i) {
      if (!L || i < 0 || i >= starts.length) return;
      const before = focusIdx;
      focusIdx = i;
      if (before >= 0 && before !== i) drawCell(before);
      drawCell(i);
      const r = canvas.getBoundingClientRect(), [x, y] = cellXY(i);
      showTip(i, r.left + x + L.cw, r.top + y + L.ch);
    }
    canvas.addEventListener('focus', () => {
      if (!L || !starts.length) return;
      let i = focusIdx;
      // at first: the newest partition that is not in the future
      if (i < 0) for (i = starts.length - 1; i > 0 && names[codes[i]] === 'future'; i--);
      focusCell(i);
    });
    canvas.addEventListener('blur', () => {
      tip.hidden = true;
      if (focusIdx >= 0) drawCell(focusIdx);   // without its ring
    });
    canvas.addEventListener('keydown', (ev) => {
      if (!L || focusIdx < 0 || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const i = focusIdx, row = L.rowOf[i], col = L.colOf[i];
      let j;
      switch (ev.key) {
      case 'ArrowLeft': j = cellRC(row, col - 1); break;
      case 'ArrowRight': j = cellRC(row, col + 1); break;
      case 'ArrowUp': j = cellRC(row - 1, col); if (j < 0) j = i - 1; break;
      case 'ArrowDown': j = cellRC(row + 1, col); if (j < 0) j = i + 1; break;
      case 'Home': j = 0; break;
      case 'End': j = starts.length - 1; break;
      case 'Enter': openOrSelect(i); break;
      case ' ':
        if (canChange) setSel(ev.shiftKey && sel ? { a: sel.a, b: i } : { a: i, b: i });
        break;
      default: return;
      }
      ev.preventDefault();
      if (j !== undefined && j >= 0 && j < starts.length) focusCell(j);
    });

    // what a test (or a person at the console) can ask the map
    window.sluiceMap = {
      count: (state) => [...codes].filter((c) => names[c] === state).length,
      cells: () => codes.length,
      state: (i) => names[codes[i]],
      key,
      // the middle of cell i, in the page's coordinates
      center: (i) => {
        const r = canvas.getBoundingClientRect(), [x, y] = cellXY(i);
        return { x: r.left + x + L.cw / 2, y: r.top + y + L.ch / 2 };
      },
      // cell i's box on the canvas, and where the cells start there
      cellBox: (i) => { const [x, y] = cellXY(i); return { x, y, w: L.cw, h: L.ch }; },
      origin: () => ({ left: LEFT, top: TOP }),
      focused: () => focusIdx,
      selected: () => selected().length,
      labels: () => topLabels.map((l) => Object.assign({}, l)),
    };

    // --- actions: a preview first, then the same endpoints as the grid ---
    const modal = document.getElementById('map-preview');
    let pending = null;
    function preview(title, summary, rows, action, extra) {
      document.getElementById('map-preview-title').textContent = title;
      // the summary: text, or its pieces (keys as partKey()s)
      document.getElementById('map-preview-summary').replaceChildren(...[].concat(summary));
      const more = document.getElementById('map-preview-extra');
      if (more) more.replaceChildren(...(extra || []).map((line) => el('p', {}, line)));
      const tb = document.querySelector('#map-preview-table tbody');
      tb.replaceChildren();
      for (const r of rows)
        tb.append(el('tr', {}, el('td', {}, partKey(r.partition)), el('td', {}, r.task),
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

    // the preview is the server's dry run of the same backfill: exactly the
    // partitions that get a run
    document.getElementById('map-backfill')?.addEventListener('click', async () => {
      const miss = mayLackRun();
      if (!miss.length) return;
      const from = key(miss[0]), to = key(miss[miss.length - 1]);
      const stateOf = new Map(miss.map((i) => [key(i), names[codes[i]]]));
      const body = { from, to, only: 'missing' };
      try {
        const res = await api('POST', '/dags/' + enc(dag) + '/backfills', Object.assign({ dry_run: true }, body));
        preview('Backfill ' + res.create.length + ' missing partition' + (res.create.length === 1 ? '' : 's') + '?',
          ['A run is created for each partition from ', partKey(from), ' to ', partKey(to), ' that has none:'],
          res.create.map((k) => ({ partition: k, task: 'all', state: stateOf.get(k) || 'missing' })), async () => {
            return window.sluice.backfillSaid([await api('POST', '/dags/' + enc(dag) + '/backfills', body)]);
          });
      } catch (e) { status(e.message, true); }
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

    // the map in the page is drawn now; without one (a range naming
    // nothing) the first load asks the API once app.js is there
    const start = () => load().catch((e) => status(e.message, true));
    if (inline || window.sluice) start();
    else document.addEventListener('DOMContentLoaded', start);
    // a window made wider or narrower: the cells take the new width (the
    // picture's rule, map.css), the canvas fits it again
    new ResizeObserver(() => {
      if (L && root.clientWidth !== L.sizedFor) { size(); draw(); }
    }).observe(root);
    // live: poll the compact map while the page is visible and no dialog is open
    setInterval(() => {
      if (!document.hidden && modal.hidden && !drag) load().catch(() => { /* the next poll tries again */ });
    }, 2000);
  }
})();
