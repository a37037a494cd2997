// report.html and compare.html: builds every section from the JSON in
// #rcn-data with Chart.js (inlined before this script). Names in the data are
// untrusted: they reach the page through textContent and Chart.js's canvas
// text only, never as HTML. When done, #rcn-status says "ok" (or "error" with
// the messages) and how many charts were drawn, for the headless tests.
(function () {
  'use strict';
  const status = document.getElementById('rcn-status');
  const errors = [];
  function fail(message) {
    errors.push(String(message));
    status.dataset.state = 'error';
    status.dataset.errors = errors.join(' | ');
  }
  window.addEventListener('error', function (e) { fail(e.message); });

  const data = JSON.parse(document.getElementById('rcn-data').textContent);
  const root = document.getElementById('report');
  const charts = [];
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
                   '#bcbd22', '#17becf'];
  const color = (i) => palette[i % palette.length];

  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 12;
  Chart.defaults.plugins.legend.labels.boxWidth = 14;

  // ---- formatting -------------------------------------------------------
  const formatters = {};
  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    const d = digits === undefined ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 1 : 3) : digits;
    const key = 'n' + d;
    if (!formatters[key]) formatters[key] = new Intl.NumberFormat('en-US', {maximumFractionDigits: d, minimumFractionDigits: 0});
    return formatters[key].format(v);
  }
  function money(v, currency) {
    if (v === null || v === undefined || !isFinite(v)) return '-';
    const digits = Math.abs(v) >= 1000 ? 0 : 2;
    try {
      return new Intl.NumberFormat('en-US', {style: 'currency', currency: currency, maximumFractionDigits: digits,
                                             minimumFractionDigits: digits}).format(v);
    } catch (e) {  // not an ISO 4217 code: the number and the scenario's word for it
      return num(v, digits) + ' ' + currency;
    }
  }
  const pct = (v, digits) => (v === null || v === undefined || !isFinite(v)) ? '-' : num(100 * v, digits === undefined ? 1 : digits) + '%';
  function duration(s) {
    if (s === null || s === undefined || !isFinite(s)) return '-';
    const a = Math.abs(s);
    if (a === 0) return '0 s';
    if (a < 1e-3) return num(s * 1e6, 0) + ' µs';
    if (a < 1) return num(s * 1e3, 1) + ' ms';
    if (a < 120) return num(s, 1) + ' s';
    if (a < 7200) return num(s / 60, 1) + ' min';
    if (a < 3 * 86400) return num(s / 3600, 1) + ' h';
    return num(s / 86400, 1) + ' d';
  }
  function bytes(b) {
    if (b === null || b === undefined || !isFinite(b)) return '-';
    const units = [['PB', 1e15], ['TB', 1e12], ['GB', 1e9], ['MB', 1e6], ['kB', 1e3]];
    for (const [u, f] of units) if (Math.abs(b) >= f) return num(b / f, 1) + ' ' + u;
    return num(b, 0) + ' B';
  }
  const bandwidth = (bps) => (bps === null || !isFinite(bps)) ? '-' : num(bps * 8 / 1e9, 1) + ' Gbps';
  // The time axis unit for a run of `end` seconds.
  function timeUnit(end) {
    if (end > 3 * 86400) return {div: 86400, name: 'days'};
    if (end > 3 * 3600) return {div: 3600, name: 'hours'};
    return {div: 60, name: 'minutes'};
  }

  // ---- DOM helpers ------------------------------------------------------
  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const k in (attrs || {})) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of (children || [])) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }
  function section(id, title, intro) {
    const s = el('section', {id: id}, [el('h2', {text: title})]);
    if (intro) s.appendChild(el('p', {cls: 'note', text: intro}));
    root.appendChild(s);
    return s;
  }
  function card(parent, label, text, raw, key) {
    const attrs = {text: text};
    if (raw !== undefined && raw !== null) attrs['data-value'] = String(raw);
    parent.appendChild(el('div', {cls: 'card', 'data-card': key}, [label, el('b', attrs)]));
  }
  // A table; each cell is a string (text) or {text, cls, attrs}.
  function table(parent, id, headers, rows, rowAttrs) {
    const t = el('table', id ? {id: id} : {});
    const textColumn = (i) => i === 0 || (rows.length > 0 && rows[0][i] !== null && typeof rows[0][i] === 'object' && rows[0][i].cls === 'text');
    t.appendChild(el('tr', {}, headers.map((h, i) => el('th', textColumn(i) ? {text: h, cls: 'text'} : {text: h}))));
    rows.forEach(function (row, i) {
      const tr = el('tr', rowAttrs ? rowAttrs[i] || {} : {});
      for (const c of row) {
        if (c !== null && typeof c === 'object') {
          const td = el('td', Object.assign({text: c.text}, c.cls ? {cls: c.cls} : {}, c.attrs || {}));
          tr.appendChild(td);
        } else tr.appendChild(el('td', {text: c === null || c === undefined ? '-' : String(c)}));
      }
      t.appendChild(tr);
    });
    parent.appendChild(el('div', {cls: 'scroll'}, [t]));
    return t;
  }
  function gapRow(t, columns, text) {
    const td = el('td', {text: text});
    td.setAttribute('colspan', String(columns));
    t.appendChild(el('tr', {cls: 'gap'}, [td]));
  }
  function chart(parent, id, height, config) {
    const canvas = el('canvas', {id: id, role: 'img'});
    const box = el('div', {cls: 'chart', style: 'height:' + height + 'px'}, [canvas]);
    parent.appendChild(box);
    const c = new Chart(canvas, config);
    charts.push(c);
    return c;
  }
  function title(text) { return {display: true, text: text}; }
  function axis(label, extra) { return Object.assign({title: title(label)}, extra || {}); }
  // A "from / to" control for the time charts (Debian ships no zoom plugin for
  // Chart.js 3): sets the x range of every chart in `list`.
  function rangeControl(parent, list, end, unit) {
    const from = el('input', {type: 'range', min: '0', max: '1000', value: '0'});
    const to = el('input', {type: 'range', min: '0', max: '1000', value: '1000'});
    const label = el('span');
    function apply() {
      let a = Number(from.value), b = Number(to.value);
      if (b <= a) b = Math.min(1000, a + 1);
      const lo = end * a / 1000, hi = end * b / 1000;
      label.textContent = num(lo, 2) + ' to ' + num(hi, 2) + ' ' + unit;
      for (const c of list) { c.options.scales.x.min = lo; c.options.scales.x.max = hi; c.update('none'); }
    }
    from.addEventListener('input', apply);
    to.addEventListener('input', apply);
    parent.appendChild(el('div', {cls: 'range'}, ['zoom: from', from, 'to', to, label]));
    label.textContent = 'whole run (0 to ' + num(end, 2) + ' ' + unit + ')';
  }
  const tooltipTitle = (unit) => ({callbacks: {title: (items) => items.length ? num(items[0].parsed.x, 2) + ' ' + unit : ''}});
  const percentAxis = (label) => axis(label, {min: 0, max: 100, ticks: {callback: (v) => v + '%'}});
  const binned = (values, bin, div) => values.map((v, i) => ({x: (i + 0.5) * bin / div, y: v}));

  // ---- report sections (one run) ---------------------------------------
  function header(run) {
    root.appendChild(el('h1', {text: data.title}));
    root.appendChild(el('p', {cls: 'meta', id: 'meta', text: 'seed ' + run.seed + ', rcnsim ' + run.version + ', ' +
      run.fidelity + ' fidelity, policy ' + run.policy + '; simulated ' + duration(run.end_s) + ' of a ' +
      duration(run.horizon_s) + ' horizon.'}));
  }

  function overviewCards(run) {
    const o = run.overview, cur = run.currency;
    const s = section('overview', 'Overview');
    const cards = el('div', {cls: 'cards', id: 'cards'});
    s.appendChild(cards);
    if (run.jobs) {
      card(cards, 'training jobs finished', num(o.jobs_finished, 0) + ' / ' + num(o.jobs, 0), o.jobs_finished, 'jobs_finished');
      card(cards, 'busy GPU-hours (training)', num(o.gpu_hours_busy, 0) + ' GPU-h', o.gpu_hours_busy, 'gpu_hours_busy');
    }
    if (run.inference) {
      card(cards, 'requests completed', num(o.requests_completed, 0) + ' / ' + num(o.requests, 0), o.requests_completed, 'requests_completed');
      if (o.per_million_tokens_served !== null) card(cards, 'cost per 1M tokens served', money(o.per_million_tokens_served, cur), o.per_million_tokens_served, 'per_million_tokens_served');
    }
    if (run.jobs && o.per_million_trained_tokens !== null) card(cards, 'cost per 1M trained tokens', money(o.per_million_trained_tokens, cur), o.per_million_trained_tokens, 'per_million_trained_tokens');
    card(cards, 'energy', num(o.energy_kwh, 0) + ' kWh', o.energy_kwh, 'energy_kwh');
    card(cards, 'power cost', money(o.power_cost, cur), o.power_cost, 'power_cost');
    card(cards, 'carbon', num(o.carbon_kg / 1000) + ' t CO2e', o.carbon_kg, 'carbon_kg');
    card(cards, 'failures', num(o.failures, 0), o.failures, 'failures');
    card(cards, 'total cost of ownership', money(o.tco_total, cur), o.tco_total, 'tco_total');
  }

  function topologySection(run) {
    const t = run.topology;
    if (!t) return;
    const s = section('topology', 'Topology', 'Sites, their clusters and the WAN links between them.');
    const located = t.sites.length > 0 && t.sites.every((x) => x.lat !== undefined);
    if (located) {
      const maxGpus = Math.max(1, ...t.sites.map((x) => x.gpus));
      const index = {};
      t.sites.forEach((x, i) => { index[x.name] = i; });
      const datasets = t.links.filter((l) => l.from in index && l.to in index).map((l) => ({
        type: 'line', label: 'wan', data: [{x: t.sites[index[l.from]].lon, y: t.sites[index[l.from]].lat},
                                           {x: t.sites[index[l.to]].lon, y: t.sites[index[l.to]].lat}],
        borderColor: '#999', borderWidth: 2, pointRadius: 0, link: l}));
      t.sites.forEach((x, i) => datasets.push({type: 'bubble', label: x.name + ' (' + num(x.gpus, 0) + ' GPUs)',
        data: [{x: x.lon, y: x.lat, r: 5 + 20 * Math.sqrt(x.gpus / maxGpus)}], backgroundColor: color(i) + 'cc'}));
      chart(s, 'topology-map', 380, {type: 'bubble', data: {datasets: datasets}, options: {
        layout: {padding: 30},
        scales: {x: axis('longitude (°)', {grace: '10%'}), y: axis('latitude (°)', {grace: '10%'})},
        plugins: {legend: {position: 'right', labels: {filter: (item) => item.text !== 'wan'}},
                  tooltip: {callbacks: {label: (ctx) => ctx.dataset.link ? ctx.dataset.link.from + ' - ' + ctx.dataset.link.to + ', ' +
                    bandwidth(ctx.dataset.link.bandwidth) + ', ' + duration(ctx.dataset.link.latency_s) : ctx.dataset.label}}}}});
    }
    table(s, 'topology-sites', ['site', 'kind', 'region', 'GPUs', 'clusters'], t.sites.map((x) => [
      x.name, {text: x.kind, cls: 'text'}, {text: x.region, cls: 'text'}, num(x.gpus, 0),
      {text: x.clusters.map((c) => c.name + ': ' + num(c.servers, 0) + ' servers, ' + num(c.gpus, 0) + ' x ' + c.gpu).join('; '), cls: 'text'}]),
      t.sites.map((x) => ({'data-site': x.name, 'data-gpus': String(x.gpus)})));
    if (t.links.length) {
      const moved = {};
      for (const w of run.wan) moved[w.from + '\u0000' + w.to] = w;
      table(s, 'topology-links', ['from', 'to', 'bandwidth', 'latency', 'moved', 'peak utilisation'], t.links.map((l) => {
        const w = moved[l.from + '\u0000' + l.to] || {};
        return [l.from, {text: l.to, cls: 'text'}, bandwidth(l.bandwidth), duration(l.latency_s), bytes(w.bytes), pct(w.peak_utilisation)];
      }), t.links.map((l) => ({'data-from': l.from, 'data-to': l.to})));
    }
  }

  function utilisationSection(run) {
    const s = section('utilisation', 'Utilisation per site');
    chart(s, 'utilisation-mean', 60 + 28 * run.sites.length, {type: 'bar', data: {labels: run.sites.map((x) => x.name),
      datasets: [{label: 'busy share of GPUs over the run (training and inference)', data: run.sites.map((x) => 100 * x.utilisation),
                  backgroundColor: run.sites.map((x, i) => color(i))}]},
      options: {indexAxis: 'y', scales: {x: percentAxis('mean utilisation')}, plugins: {legend: {display: false},
        tooltip: {callbacks: {label: (ctx) => pct(run.sites[ctx.dataIndex].utilisation)}}}}});
    const u = run.utilisation;
    if (!u) return;
    const unit = timeUnit(run.end_s);
    s.appendChild(el('p', {cls: 'note', text: 'GPUs held by training jobs over time, as a share of each site\'s GPUs: ' +
      'the mean over each ' + duration(u.bin_s) + ' (at most 1,000 points per site). Inference replicas\' busy time is ' +
      'in the bars above and the inference section.'}));
    const c = chart(s, 'utilisation-time', 300, {type: 'line', data: {datasets: u.series.map((x, i) => ({
      label: x.site + ' (training mean ' + pct(x.training_mean) + ')', data: binned(x.values.map((v) => 100 * v), u.bin_s, unit.div),
      borderColor: color(i), backgroundColor: color(i), borderWidth: 1.5, pointRadius: 0, stepped: false}))},
      options: {parsing: false, normalized: true, interaction: {mode: 'nearest', axis: 'x', intersect: false},
        scales: {x: axis(unit.name, {type: 'linear', min: 0, max: run.end_s / unit.div}), y: percentAxis('GPUs held')},
        plugins: {decimation: {enabled: true, algorithm: 'min-max'}, tooltip: tooltipTitle(unit.name)}}});
    rangeControl(s, [c], run.end_s / unit.div, unit.name);
  }

  const stateColors = {queued: '#c8c8c8', running: '#4c9be8', restarting: '#e74c3c', staging: '#9b59b6'};

  function jobsSection(run) {
    const j = run.jobs;
    if (!j) return;
    const unit = timeUnit(run.end_s);
    const s = section('jobs', 'Training jobs', Object.keys(j.by_state).map((k) => num(j.by_state[k], 0) + ' ' + k).join(', ') + '.');
    const charted = j.charted;
    const names = charted.map((x) => x.name);
    if (charted.some((x) => x.gantt)) {
      s.appendChild(el('h3', {text: 'Timeline by job (colour: state; grouped by site)'}));
      const order = charted.filter((x) => x.gantt).slice().sort((a, b) => (a.site || '~').localeCompare(b.site || '~') || (a.start_s || 0) - (b.start_s || 0));
      const labels = order.map((x) => x.name + (x.site ? ' @ ' + x.site : ''));
      const byState = {};
      order.forEach((x, row) => {
        for (const span of x.gantt) {
          (byState[span.state] = byState[span.state] || []).push({x: [span.start / unit.div, Math.max(span.end, span.start) / unit.div], y: labels[row], span: span});
        }
      });
      const c = chart(s, 'gantt', 70 + 24 * order.length, {type: 'bar', data: {labels: labels, datasets: Object.keys(byState).map((k) => ({
        label: k, data: byState[k], backgroundColor: stateColors[k] || '#888', grouped: false, barPercentage: 0.8, minBarLength: 1}))},
        options: {indexAxis: 'y', scales: {x: axis(unit.name, {type: 'linear', min: 0, max: run.end_s / unit.div}), y: {stacked: false}},
          plugins: {tooltip: {callbacks: {label: (ctx) => ctx.dataset.label + ' ' + duration(ctx.raw.span.start) + ' to ' + duration(ctx.raw.span.end) + (ctx.raw.span.site ? ' at ' + ctx.raw.span.site : '')}}}}});
      rangeControl(s, [c], run.end_s / unit.div, unit.name);
      if (j.total > charted.length) s.appendChild(el('p', {cls: 'note', text: 'The first ' + charted.length + ' of ' + num(j.total, 0) + ' jobs; all are in jobs.csv.'}));
      const curves = charted.filter((x) => x.progress_curve && x.progress_curve.length).slice(0, 10);
      if (curves.length) {
        s.appendChild(el('h3', {text: 'Compute done over time, as a share of the ideal time to train (work later lost to failures included)'}));
        chart(s, 'progress', 260, {type: 'line', data: {datasets: curves.map((x, i) => ({label: x.name,
          data: x.progress_curve.map((p) => ({x: p[0] / unit.div, y: 100 * p[1]})), borderColor: color(i), backgroundColor: color(i), pointRadius: 0, borderWidth: 1.5}))},
          options: {parsing: false, scales: {x: axis(unit.name, {type: 'linear', min: 0, max: run.end_s / unit.div}), y: percentAxis('compute done')},
            plugins: {tooltip: tooltipTitle(unit.name)}}});
      }
    }
    const pair = el('div', {cls: 'pair'});
    s.appendChild(pair);
    const started = charted.filter((x) => x.start_s !== null);
    if (started.length) {
      const left = el('div', {}, [el('h3', {text: 'Goodput and MFU per job'})]);
      pair.appendChild(left);
      chart(left, 'goodput', 80 + 26 * started.length, {type: 'bar', data: {labels: started.map((x) => x.name), datasets: [
        {label: 'goodput', data: started.map((x) => x.goodput === null ? null : 100 * x.goodput), backgroundColor: '#2ca02c'},
        {label: 'MFU', data: started.map((x) => 100 * x.mfu), backgroundColor: '#1f77b4'}]},
        options: {indexAxis: 'y', scales: {x: percentAxis('share')}}});
    }
    const stepped = charted.filter((x) => x.step);
    if (stepped.length) {
      const right = el('div', {}, [el('h3', {text: 'Step time breakdown per job'})]);
      pair.appendChild(right);
      const parts = [['compute_s', 'compute'], ['optimizer_s', 'optimizer'], ['tp_comm_s', 'TP comm'], ['cp_comm_s', 'CP comm'],
                     ['pp_comm_s', 'PP comm'], ['pp_bubble_s', 'PP bubble'], ['dp_comm_exposed_s', 'DP comm (exposed)']];
      chart(right, 'step-breakdown', 80 + 26 * stepped.length, {type: 'bar', data: {labels: stepped.map((x) => x.name),
        datasets: parts.filter(([k]) => stepped.some((x) => x.step[k] > 0)).map(([k, label], i) => ({label: label,
          data: stepped.map((x) => x.step[k]), backgroundColor: color(i)}))},
        options: {indexAxis: 'y', scales: {x: axis('seconds per step (summed parts; overlap not shown)', {stacked: true}), y: {stacked: true}},
          plugins: {tooltip: {callbacks: {label: (ctx) => ctx.dataset.label + ': ' + duration(ctx.raw)}}}}});
    }
    s.appendChild(el('h3', {text: j.total > j.table.length ? 'Jobs: the first ' + Math.ceil(j.table.length / 2) +
      ' and the most delayed (queue wait plus time lost to failures and checkpoints) of ' + num(j.total, 0) + '; all are in jobs.csv' : 'Jobs'}));
    const cur = run.currency;
    const t = table(s, 'jobs-table', ['#', 'job', 'state', 'site', 'GPUs', 'wait', 'time to train', 'step', 'MFU', 'interruptions', 'goodput', 'progress', 'GPU-hours', 'cost'],
      j.table.map((x) => [x.row, {text: x.name, cls: 'text'}, x.state, {text: x.site || '-', cls: 'text'}, num(x.gpus, 0), duration(x.queue_wait_s), duration(x.time_to_train_s),
        x.step_time_s > 0 ? duration(x.step_time_s) : '-', pct(x.mfu), num(x.interruptions, 0), x.goodput === null ? '-' : num(x.goodput, 3), pct(x.progress),
        num(x.gpu_hours, 0), money(x.cost, cur)]),
      j.table.map((x) => ({'data-job': x.name, 'data-row': String(x.row)})));
    if (j.total > j.table.length) gapRow(t, 14, num(j.total - j.table.length, 0) + ' more rows in jobs.csv');
  }

  function reliabilitySection(run) {
    const r = run.reliability;
    if (!r) return;
    const s = section('reliability', 'Reliability');
    const cards = el('div', {cls: 'cards', id: 'reliability-cards'});
    s.appendChild(cards);
    card(cards, 'failures', num(r.failures, 0), r.failures, 'failures');
    card(cards, 'job interruptions', num(r.interruptions, 0), r.interruptions, 'interruptions');
    card(cards, 'mean time between failures', duration(r.mtbf_s), r.mtbf_s, 'mtbf_s');
    card(cards, 'work lost', duration(r.lost_work_s), r.lost_work_s, 'lost_work_s');
    card(cards, 'restart overhead', duration(r.restart_overhead_s), r.restart_overhead_s, 'restart_overhead_s');
    card(cards, 'checkpoint overhead', duration(r.checkpoint_overhead_s) + ' (' + num(r.checkpoints, 0) + ' checkpoints)', r.checkpoint_overhead_s, 'checkpoint_overhead_s');
    const unit = timeUnit(run.end_s);
    const causes = Object.keys(r.by_cause);
    if (causes.length) {
      s.appendChild(el('h3', {text: 'Failures per ' + duration(r.bin_s) + ', by cause'}));
      chart(s, 'failures-time', 260, {type: 'bar', data: {datasets: causes.map((k, i) => ({label: k,
        data: r.by_cause[k].map((n, b) => ({x: (b + 0.5) * r.bin_s / unit.div, y: n})), backgroundColor: color(i)}))},
        options: {parsing: false, scales: {x: axis(unit.name, {type: 'linear', stacked: true, min: 0, max: run.end_s / unit.div}),
          y: axis('failures', {stacked: true, ticks: {precision: 0}})}, datasets: {bar: {barPercentage: 1, categoryPercentage: 1}},
          plugins: {tooltip: tooltipTitle(unit.name)}}});
    }
    const hit = run.jobs ? run.jobs.charted.filter((x) => x.lost_work_s > 0 || x.restart_overhead_s > 0 || x.checkpoint_overhead_s > 0) : [];
    if (hit.length) {
      s.appendChild(el('h3', {text: 'Time lost per job (hours)'}));
      const parts = [['lost_work_s', 'work lost', '#d62728'], ['restart_overhead_s', 'restarts', '#ff7f0e'], ['checkpoint_overhead_s', 'checkpoint writes', '#f0c030']];
      chart(s, 'lost-time', 80 + 26 * hit.length, {type: 'bar', data: {labels: hit.map((x) => x.name), datasets: parts.map(([k, label, c]) => ({
        label: label, data: hit.map((x) => x[k] / 3600), backgroundColor: c}))},
        options: {indexAxis: 'y', scales: {x: axis('hours', {stacked: true}), y: {stacked: true}}}});
    }
    if (r.table.length) {
      s.appendChild(el('h3', {text: r.failures > r.table.length ? 'Failures: the first ' + Math.ceil(r.table.length / 2) + ' and the longest downtimes of ' +
        num(r.failures, 0) + '; all are in failures.csv' : 'Failures'}));
      const t = table(s, 'failures-table', ['#', 'time', 'component', 'site', 'cluster', 'servers', 'jobs hit', 'downtime'], r.table.map((f) => [
        f.row, duration(f.time_s), {text: f.component, cls: 'text'}, {text: f.site, cls: 'text'}, {text: f.cluster, cls: 'text'}, {text: f.servers, cls: 'text'},
        {text: f.affected_jobs || '-', cls: 'text'}, duration(f.downtime_s)]), r.table.map((f) => ({'data-row': String(f.row)})));
      if (r.failures > r.table.length) gapRow(t, 8, num(r.failures - r.table.length, 0) + ' more rows in failures.csv');
    }
  }

  const quantiles = Array.from({length: 99}, (_, i) => i + 1);
  // A CDF chart of latency quantiles (log time axis) with each service's SLO as a vertical line.
  function cdfChart(parent, id, lines, slos, what) {
    const datasets = lines.map((l, i) => ({label: l.label, data: l.cdf.map((v, q) => ({x: v, y: quantiles[q]})).filter((p) => p.x > 0),
      borderColor: l.color || color(i), backgroundColor: l.color || color(i), pointRadius: 0, borderWidth: 1.5, borderDash: l.dash || []}));
    for (const slo of slos)
      datasets.push({label: 'SLO ' + slo.label + ' ' + duration(slo.value), data: [{x: slo.value, y: 0}, {x: slo.value, y: 100}],
        borderColor: '#b03a2e', borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0});
    return chart(parent, id, 300, {type: 'line', data: {datasets: datasets}, options: {parsing: false,
      interaction: {mode: 'nearest', intersect: false},
      scales: {x: axis(what + ' (log scale)', {type: 'logarithmic', ticks: {callback: (v) => { const l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9 ? duration(v) : ''; }}}),
               y: percentAxis('share of completed requests')},
      plugins: {tooltip: {callbacks: {label: (ctx) => ctx.dataset.label + ': ' + num(ctx.parsed.y, 0) + '% within ' + duration(ctx.parsed.x)}}}}});
  }

  function inferenceSection(run) {
    const inf = run.inference;
    if (!inf) return;
    const s = section('inference', 'Inference');
    table(s, 'inference-regions', ['service', 'region', 'requests', 'completed', 'dropped', 'in flight', 'req/s', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'TPOT p99', 'e2e p50', 'e2e p99', 'SLO met'],
      inf.regions.map((g) => [g.service, {text: g.region, cls: 'text'}, num(g.requests, 0), num(g.completed, 0), num(g.dropped, 0), num(g.in_flight, 0), num(g.throughput_rps, 2),
        duration(g.ttft_s.p50), duration(g.ttft_s.p99), duration(g.tpot_s.p50), duration(g.tpot_s.p99), duration(g.e2e_s.p50), duration(g.e2e_s.p99), pct(g.slo_attainment)]),
      inf.regions.map((g) => ({'data-service': g.service, 'data-region': g.region, 'data-completed': String(g.completed), 'data-slo': String(g.slo_attainment)})));
    table(s, 'inference-services', ['service', 'replicas at start', 'peak', 'replica-hours', 'GPU busy', 'scale-ups', 'scale-downs', 'replica failures', 'requests retried', 'drops', 'cost'],
      inf.services.map((v) => [v.name, num(v.replicas, 0), num(v.replicas_peak, 0), num(v.replica_hours, 1), pct(v.gpu_utilisation), num(v.scale_ups, 0), num(v.scale_downs, 0),
        num(v.replica_failures, 0), num(v.requests_retried, 0), {text: v.drop_reasons || 'none', cls: 'text'}, money(v.cost, run.currency)]),
      inf.services.map((v) => ({'data-service': v.name, 'data-peak': String(v.replicas_peak)})));
    if (inf.tenants && inf.tenants.length) {
      s.appendChild(el('h3', {text: 'Tenants'}));
      s.appendChild(el('p', {cls: 'note', text: 'Each tenant\'s requests over its services (tenants.csv): SLO met is the share of its completed ' +
        'requests meeting their service\'s SLOs; cost is its services\' cost.'}));
      table(s, 'inference-tenants', ['tenant', 'services', 'requests', 'completed', 'dropped', 'SLO met', 'TTFT p50', 'TTFT p99', 'e2e p99', 'GPU-hours', 'cost'],
        inf.tenants.map((t) => [t.tenant, {text: t.services.split(';').join(', '), cls: 'text'}, num(t.requests, 0), num(t.completed, 0), num(t.dropped, 0),
          t.completed > 0 ? pct(t.slo_attainment) : '-', duration(t.ttft_s.p50), duration(t.ttft_s.p99), duration(t.e2e_p99_s), num(t.gpu_hours, 1),
          t.cost === null || t.cost === undefined ? '-' : money(t.cost, run.currency)]),
        inf.tenants.map((t) => ({'data-tenant': t.tenant, 'data-requests': String(t.requests), 'data-slo': String(t.slo_attainment),
          'data-ttft-p99': String(t.ttft_s.p99), 'data-cost': String(t.cost)})));
    }
    const served = inf.regions.filter((g) => g.completed > 0 && g.e2e_cdf.length);
    const sloOf = {};
    for (const v of inf.services) sloOf[v.name] = v.slo_s || {};
    const slos = (metric) => inf.services.filter((v) => v.slo_s && v.slo_s[metric]).map((v) => ({label: v.name, value: v.slo_s[metric]}));
    if (served.length) {
      const pair = el('div', {cls: 'pair'});
      s.appendChild(pair);
      const a = el('div', {}, [el('h3', {text: 'Time to first token: cumulative share of requests'})]);
      const b = el('div', {}, [el('h3', {text: 'End-to-end latency: cumulative share of requests'})]);
      pair.appendChild(a); pair.appendChild(b);
      cdfChart(a, 'ttft-cdf', served.map((g) => ({label: g.service + ' / ' + g.region, cdf: g.ttft_cdf})), slos('ttft'), 'time to first token');
      cdfChart(b, 'e2e-cdf', served.map((g) => ({label: g.service + ' / ' + g.region, cdf: g.e2e_cdf})), slos('e2e'), 'end-to-end latency');
      const c = el('div', {}, [el('h3', {text: 'Time per output token: cumulative share of requests'})]);
      const d = el('div', {}, [el('h3', {text: 'SLO attainment per region'})]);
      const pair2 = el('div', {cls: 'pair'});
      s.appendChild(pair2);
      pair2.appendChild(c); pair2.appendChild(d);
      const labels = served.map((g) => g.service + ' / ' + g.region);
      // Requests with one output token have no time per output token: a region of those has no line.
      const withTpot = served.filter((g) => (g.tpot_cdf || []).some((v) => v > 0));
      if (withTpot.length)
        cdfChart(c, 'tpot-cdf', withTpot.map((g) => ({label: g.service + ' / ' + g.region, cdf: g.tpot_cdf})), slos('tpot'), 'time per output token');
      else c.appendChild(el('p', {cls: 'note', text: 'No request had more than one output token (or the results predate the TPOT distribution).'}));
      chart(d, 'slo-attainment', 260, {type: 'bar', data: {labels: labels, datasets: [{label: 'completed requests meeting every SLO',
        data: served.map((g) => 100 * g.slo_attainment), backgroundColor: served.map((g, i) => color(i))}]},
        options: {scales: {y: percentAxis('SLO attainment')}, plugins: {legend: {display: false}}}});
    }
    if (inf.load) {
      const unit = timeUnit(run.end_s);
      const l = inf.load;
      s.appendChild(el('p', {cls: 'note', text: 'Load per site: the mean over each ' + duration(l.bin_s) + ' of the requests in each replica (queued and ' +
        'being served), summed over the site\'s replicas, and the mean number of replicas up and serving in that time, busy or idle.'}));
      const pair = el('div', {cls: 'pair'});
      s.appendChild(pair);
      const a = el('div', {}, [el('h3', {text: 'Requests in the system per site'})]);
      const b = el('div', {}, [el('h3', {text: 'Replicas serving per site'})]);
      pair.appendChild(a); pair.appendChild(b);
      const opts = (ylabel) => ({parsing: false, scales: {x: axis(unit.name, {type: 'linear', min: 0, max: run.end_s / unit.div}), y: axis(ylabel, {beginAtZero: true})},
        interaction: {mode: 'nearest', axis: 'x', intersect: false}, plugins: {tooltip: tooltipTitle(unit.name)}});
      const c1 = chart(a, 'inference-load', 260, {type: 'line', data: {datasets: l.series.map((x, i) => ({label: x.site, data: binned(x.in_system, l.bin_s, unit.div),
        borderColor: color(i), backgroundColor: color(i), pointRadius: 0, borderWidth: 1.5}))}, options: opts('requests')});
      const c2 = chart(b, 'inference-replicas', 260, {type: 'line', data: {datasets: l.series.map((x, i) => ({label: x.site, data: binned(x.replicas_serving, l.bin_s, unit.div),
        borderColor: color(i), backgroundColor: color(i), pointRadius: 0, borderWidth: 1.5, stepped: true}))}, options: opts('replicas')});
      rangeControl(s, [c1, c2], run.end_s / unit.div, unit.name);
    }
  }

  // Energy, cost of ownership and carbon per time bin, stacked by site (site_energy.csv).
  function energyOverTime(s, run) {
    const e = run.energy_over_time;
    if (!e || !e.from_s.length) return;
    const cur = run.currency;
    const unit = timeUnit(run.end_s);
    const width = e.to_s[0] - e.from_s[0];
    const total = (key) => e.series.reduce((a, x) => a + x[key].reduce((b, v) => b + (v || 0), 0), 0);
    s.appendChild(el('h3', {text: 'Over time, per ' + duration(width) + ', stacked by site'}));
    s.appendChild(el('p', {cls: 'note', id: 'energy-time-note', 'data-energy-kwh': String(total('energy_kwh')), 'data-tco': String(total('tco')),
      'data-carbon-kg': String(total('carbon_kg')), 'data-power-cost': String(total('power_cost')),
      text: 'Each site\'s totals spread over time by its busy GPUs (training and inference); the bars of a site add up to its row in the table above (site_energy.csv). ' +
        'Cost of ownership: the power bill of the bin plus its share of amortised capex and staff and maintenance.'}));
    const pair = el('div', {cls: 'pair'});
    s.appendChild(pair);
    const list = [];
    for (const [key, id, label, scale, fmt, head] of [['energy_kwh', 'energy-time', 'kWh per bin', 1, (v) => num(v) + ' kWh', 'Energy'],
        ['tco', 'cost-time', cur + ' per bin', 1, (v) => money(v, cur), 'Cost of ownership'], ['carbon_kg', 'carbon-time', 'kg CO2e per bin', 1, (v) => num(v) + ' kg', 'Carbon']]) {
      const d = el('div', {}, [el('h4', {text: head})]);
      pair.appendChild(d);
      list.push(chart(d, id, 260, {type: 'bar', data: {datasets: e.series.map((x, i) => ({label: x.site, backgroundColor: color(i),
        data: x[key].map((v, k) => ({x: (e.from_s[k] + e.to_s[k]) / 2 / unit.div, y: v * scale}))}))},
        options: {parsing: false, scales: {x: axis(unit.name, {type: 'linear', stacked: true, min: 0, max: run.end_s / unit.div}),
          y: axis(label, {stacked: true, beginAtZero: true})}, datasets: {bar: {barPercentage: 1, categoryPercentage: 1}},
          plugins: {tooltip: {callbacks: {label: (ctx) => ctx.dataset.label + ': ' + fmt(ctx.raw.y)}}}}}));
    }
    rangeControl(s, list, run.end_s / unit.div, unit.name);
  }

  function energySection(run) {
    const cur = run.currency;
    const s = section('energy', 'Energy, cost and carbon per site', 'Over the simulated ' + duration(run.end_s) + '. Cost in ' + cur +
      ': capex spread over each part\'s amortisation life, the power bill, staff and maintenance, and WAN leases (docs/tco.md).');
    const names = run.sites.map((x) => x.name);
    const t = run.tco;
    const pair = el('div', {cls: 'pair'});
    s.appendChild(pair);
    const box = (text) => { const d = el('div', {}, [el('h3', {text: text})]); pair.appendChild(d); return d; };
    // Chart.js's own tick text (as many digits as the step needs), then the unit.
    const ticks = (unit) => ({callback: function (v, i, all) { return Chart.Ticks.formatters.numeric.call(this, v, i, all) + ' ' + unit; }});
    const bars = (parent, id, label, values, c, fmt) => chart(parent, id, 260, {type: 'bar', data: {labels: names,
      datasets: [{label: label, data: values, backgroundColor: c}]}, options: {scales: {y: axis(label, {beginAtZero: true, ticks: ticks(label)})},
      plugins: {legend: {display: false}, tooltip: {callbacks: {label: (ctx) => fmt(ctx.raw)}}}}});
    bars(box('Energy (kWh)'), 'energy-sites', 'kWh', run.sites.map((x) => x.energy_kwh), '#f0a030', (v) => num(v) + ' kWh');
    bars(box('Carbon (t CO2e)'), 'carbon-sites', 't CO2e', run.sites.map((x) => x.carbon_kg / 1000), '#7f7f7f', (v) => num(v) + ' t');
    chart(box('Cost of ownership (' + cur + ')'), 'cost-sites', 260, {type: 'bar', data: {labels: names, datasets: [
      ['capex_amortised', 'capex (amortised)', '#1f77b4'], ['power', 'power', '#f0a030'], ['staff_maintenance', 'staff + maintenance', '#2ca02c']].map(([k, label, c]) => ({
        label: label, data: names.map((n, i) => t.sites[i] ? t.sites[i][k] : 0), backgroundColor: c}))},
      options: {scales: {y: axis(cur, {stacked: true, ticks: {callback: (v) => money(v, cur)}}), x: {stacked: true}},
        plugins: {tooltip: {callbacks: {label: (ctx) => ctx.dataset.label + ': ' + money(ctx.raw, cur)}}}}});
    const rows = run.sites.map((x, i) => [x.name, {text: x.region, cls: 'text'}, num(x.gpus, 0), pct(x.utilisation), num(x.energy_kwh), money(x.power_cost, cur),
      num(x.carbon_kg / 1000), money(t.sites[i] ? t.sites[i].capex_amortised : null, cur), money(t.sites[i] ? t.sites[i].staff_maintenance : null, cur), money(x.tco_total, cur)]);
    const tab = table(s, 'sites-table', ['site', 'region', 'GPUs', 'utilisation', 'energy kWh', 'power cost', 'CO2e t', 'capex (amortised)', 'staff + maintenance', 'total'], rows,
      run.sites.map((x) => ({'data-site': x.name, 'data-energy-kwh': String(x.energy_kwh), 'data-cost': String(x.power_cost), 'data-total': String(x.tco_total)})));
    tab.appendChild(el('tr', {'data-wan': String(t.wan)}, ['WAN links', '', '', '', '', '', '', '', '', money(t.wan, cur)].map((v) => el('td', {text: v}))));
    tab.appendChild(el('tr', {'data-total': String(t.total)}, ['total', '', '', '', '', money(t.power, cur), '', money(t.capex_amortised, cur), money(t.staff_maintenance, cur),
      money(t.total, cur)].map((v) => el('th', {text: v}))));
    energyOverTime(s, run);
    if (t.clusters.length) table(s, 'tco-clusters', ['cluster', 'GPU', 'GPUs', 'capex', 'all-in per GPU-hour'], t.clusters.map((c) => [c.site + '/' + c.cluster,
      {text: c.gpu, cls: 'text'}, num(c.gpus, 0), money(c.capex, cur), money(c.gpu_hour_rate, cur)]));
    for (const note of t.notes) s.appendChild(el('p', {cls: 'note', text: 'Note: ' + note}));
  }

  function wanSection(run) {
    if (!run.wan.length) return;
    const s = section('wan', 'WAN links', 'Traffic rcnsim moved over each link (datasets, checkpoints read from another site), both directions together, and the highest share of one direction\'s bandwidth in use at once.');
    const labels = run.wan.map((w) => w.from + ' - ' + w.to);
    if (run.wan.every((w) => !(w.bytes > 0))) s.appendChild(el('p', {cls: 'note', id: 'wan-idle', text: 'No traffic crossed the WAN in this run.'}));
    else {
      const pair = el('div', {cls: 'pair'});
      s.appendChild(pair);
      const left = el('div', {}, [el('h3', {text: 'Data moved (GB)'})]), right = el('div', {}, [el('h3', {text: 'Peak utilisation of one direction'})]);
      pair.appendChild(left); pair.appendChild(right);
      chart(left, 'wan-links', 260, {type: 'bar', data: {labels: labels, datasets: [{label: 'GB moved', data: run.wan.map((w) => w.bytes / 1e9), backgroundColor: '#1f77b4'}]},
        options: {scales: {y: axis('GB', {beginAtZero: true})}, plugins: {legend: {display: false}}}});
      chart(right, 'wan-peak', 260, {type: 'bar', data: {labels: labels, datasets: [{label: 'peak utilisation', data: run.wan.map((w) => 100 * w.peak_utilisation), backgroundColor: '#ff7f0e'}]},
        options: {scales: {y: percentAxis('peak utilisation')}, plugins: {legend: {display: false}}}});
    }
    table(s, 'wan-table', ['from', 'to', 'bandwidth', 'moved', 'peak utilisation'], run.wan.map((w) => [w.from, {text: w.to, cls: 'text'}, bandwidth(w.bandwidth), bytes(w.bytes), pct(w.peak_utilisation)]),
      run.wan.map((w) => ({'data-from': w.from, 'data-to': w.to, 'data-bytes': String(w.bytes)})));
  }

  function scenarioSection(run) {
    if (run.scenario_text === undefined) return;
    const s = section('scenario-text', 'Scenario');
    const d = el('details', {open: ''}, [el('summary', {text: run.scenario_file || 'default scenario'}), el('pre', {id: 'scenario', text: run.scenario_text})]);
    s.appendChild(d);
  }

  function renderReport(run) {
    header(run);
    overviewCards(run);
    topologySection(run);
    utilisationSection(run);
    jobsSection(run);
    reliabilitySection(run);
    inferenceSection(run);
    energySection(run);
    wanSection(run);
    scenarioSection(run);
  }

  // ---- comparison (several runs) ---------------------------------------
  const compact = new Intl.NumberFormat('en-US', {notation: 'compact', maximumFractionDigits: 2});
  const dash = (i) => i === 0 ? [] : [[6, 3], [2, 2], [10, 3, 2, 3]][(i - 1) % 3];
  function deltaCell(v, base, fmt, higherIsWorse) {
    if (v === null || v === undefined || !isFinite(v)) return {text: '-'};
    if (base === null || base === undefined || !isFinite(base)) return {text: fmt(v), attrs: {'data-value': String(v)}};
    const d = v - base;
    const rel = base !== 0 ? ' / ' + (d >= 0 ? '+' : '') + num(100 * d / Math.abs(base), 1) + '%' : '';
    const text = fmt(v) + (d === 0 ? ' (=)' : ' (' + (d > 0 ? '+' : '-') + fmt(Math.abs(d)) + rel + ')');
    const cls = d === 0 || higherIsWorse === undefined ? '' : (d > 0) === higherIsWorse ? 'up' : 'down';
    return {text: text, cls: cls, attrs: {'data-value': String(v), 'data-delta': String(d)}};
  }
  function matchSites(runs) {
    const names = [];
    for (const r of runs) for (const x of r.sites) if (!names.includes(x.name)) names.push(x.name);
    return names;
  }
  function groupedBars(parent, id, labels, runs, value, axisLabel, fmt) {
    return chart(parent, id, 80 + Math.max(1, labels.length) * (18 * runs.length + 14), {type: 'bar', data: {labels: labels, datasets: runs.map((r, i) => ({label: r.label,
      data: labels.map((l) => value(r, l)), backgroundColor: color(i)}))},
      options: {indexAxis: 'y', scales: {x: axis(axisLabel, {beginAtZero: true, ticks: {callback: (v) => compact.format(v)}})}, plugins: fmt ? {tooltip: {callbacks: {label: (ctx) => ctx.dataset.label + ': ' + fmt(ctx.raw)}}} : {}}});
  }

  function renderCompare(runs) {
    root.appendChild(el('h1', {text: data.title}));
    const base = runs[0];
    root.appendChild(el('p', {cls: 'meta', text: runs.length + ' runs; deltas are against the first (' + base.label + '): absolute, then relative. Red: worse, green: better, where that is clear.'}));
    const s0 = section('runs', 'Runs');
    table(s0, 'runs-table', ['#', 'run', 'scenario', 'seed', 'policy', 'simulated', 'currency'], runs.map((r, i) => [i + 1, {text: r.label, cls: 'text'}, {text: r.scenario, cls: 'text'},
      String(r.seed), {text: r.policy, cls: 'text'}, duration(r.end_s), r.currency]), runs.map((r) => ({'data-run': r.label})));
    const s = section('overview', 'Overview');
    const metrics = [
      ['jobs_finished', 'training jobs finished', (v) => num(v, 0), false],
      ['gpu_hours_busy', 'busy GPU-hours (training)', (v) => num(v, 0), undefined],
      ['requests_completed', 'requests completed', (v) => num(v, 0), false],
      ['failures', 'failures', (v) => num(v, 0), true],
      ['energy_kwh', 'energy (kWh)', (v) => num(v, 0), true],
      ['carbon_kg', 'carbon (t CO2e)', (v) => num(v / 1000, 1), true],
      ['power_cost', 'power cost', (v) => money(v, base.currency), true, true],
      ['tco_total', 'total cost of ownership', (v) => money(v, base.currency), true, true],
      ['per_million_tokens_served', 'cost per 1M tokens served', (v) => money(v, base.currency), true, true],
      ['per_million_trained_tokens', 'cost per 1M trained tokens', (v) => money(v, base.currency), true, true]];
    const extra = (r) => ({
      mean_utilisation: r.sites.reduce((a, x) => a + x.utilisation * x.gpus, 0) / Math.max(1, r.sites.reduce((a, x) => a + x.gpus, 0)),
      lost_work_s: r.reliability ? r.reliability.lost_work_s : 0,
      checkpoint_overhead_s: r.reliability ? r.reliability.checkpoint_overhead_s : 0,
      slo_attainment: r.inference && r.inference.regions.length ? r.inference.regions.reduce((a, g) => a + g.slo_attainment * g.completed, 0) /
        Math.max(1, r.inference.regions.reduce((a, g) => a + g.completed, 0)) : null});
    const extras = runs.map(extra);
    const rows = [], attrs = [];
    for (const [k, label, fmt, worse, isMoney] of metrics) {
      if (runs.every((r) => r.overview[k] === null || r.overview[k] === undefined)) continue;
      // Amounts in another currency than the first run's are shown in theirs, without a delta.
      rows.push([label].concat(runs.map((r, i) => {
        const same = !isMoney || r.currency === base.currency;
        const f = same ? fmt : (v) => money(v, r.currency);
        return deltaCell(r.overview[k], i && same ? base.overview[k] : null, f, worse);
      })));
      attrs.push({'data-metric': k});
    }
    const more = [['mean_utilisation', 'mean GPU utilisation', (v) => pct(v), false], ['lost_work_s', 'work lost to failures', duration, true],
                  ['checkpoint_overhead_s', 'checkpoint overhead', duration, true], ['slo_attainment', 'SLO attainment (all requests)', (v) => pct(v), false]];
    for (const [k, label, fmt, worse] of more) {
      if (extras.every((e) => e[k] === null || e[k] === 0)) continue;
      rows.push([label].concat(extras.map((e, i) => deltaCell(e[k], i ? extras[0][k] : null, fmt, worse))));
      attrs.push({'data-metric': k});
    }
    table(s, 'overview-table', ['metric'].concat(runs.map((r) => r.label)), rows, attrs);

    const end = Math.max(...runs.map((r) => r.end_s || 0));
    const unit = timeUnit(end);
    const withUtil = runs.filter((r) => r.utilisation);
    const siteNames = matchSites(runs);
    const su = section('utilisation', 'Utilisation per site');
    groupedBars(su, 'utilisation-mean', siteNames, runs, (r, n) => { const x = r.sites.find((y) => y.name === n); return x ? 100 * x.utilisation : null; }, 'mean utilisation (%)', (v) => num(v, 1) + '%');
    if (withUtil.length) {
      su.appendChild(el('p', {cls: 'note', text: 'GPUs held by training jobs over time, per site, one line per run (binned means; first run solid).'}));
      const list = [];
      // Sites where some run's training held GPUs (an inference-only site has no such line).
      const held = siteNames.filter((n) => withUtil.some((r) => r.utilisation.series.some((x) => x.site === n && x.values.some((v) => v > 0))));
      for (const n of held.slice(0, 8)) {
        su.appendChild(el('h3', {text: n}));
        list.push(chart(su, 'utilisation-' + list.length, 220, {type: 'line', data: {datasets: runs.map((r, i) => {
          const x = r.utilisation ? r.utilisation.series.find((y) => y.site === n) : null;
          return {label: r.label, data: x ? binned(x.values.map((v) => 100 * v), r.utilisation.bin_s, unit.div) : [], borderColor: color(i), backgroundColor: color(i),
            borderDash: dash(i), pointRadius: 0, borderWidth: 1.5};
        })}, options: {parsing: false, scales: {x: axis(unit.name, {type: 'linear', min: 0, max: end / unit.div}), y: percentAxis('GPUs held')},
          interaction: {mode: 'nearest', axis: 'x', intersect: false}, plugins: {tooltip: tooltipTitle(unit.name)}}}));
      }
      if (held.length > 8) su.appendChild(el('p', {cls: 'note', text: 'The first 8 of ' + held.length + ' sites.'}));
      rangeControl(su, list, end / unit.div, unit.name);
    }

    if (runs.some((r) => r.jobs)) {
      const sj = section('jobs', 'Training jobs', 'Jobs matched by name (the first ' + 20 + ' of the first run that has jobs).');
      const first = runs.find((r) => r.jobs);
      const names = first.jobs.charted.slice(0, 20).map((x) => x.name);
      const job = (r, n) => r.jobs ? r.jobs.charted.find((x) => x.name === n) : null;
      const pair = el('div', {cls: 'pair'});
      sj.appendChild(pair);
      const a = el('div', {}, [el('h3', {text: 'Time to train (hours)'})]);
      const b = el('div', {}, [el('h3', {text: 'Goodput (%)'})]);
      pair.appendChild(a); pair.appendChild(b);
      groupedBars(a, 'jobs-time', names, runs, (r, n) => { const x = job(r, n); return x && x.time_to_train_s !== null ? x.time_to_train_s / 3600 : null; }, 'hours', (v) => num(v, 1) + ' h');
      groupedBars(b, 'jobs-goodput', names, runs, (r, n) => { const x = job(r, n); return x && x.goodput !== null ? 100 * x.goodput : null; }, 'goodput (%)', (v) => num(v, 1) + '%');
    }

    if (runs.some((r) => r.reliability)) {
      const sr = section('reliability', 'Reliability');
      const datasets = runs.map((r, i) => {
        const rel = r.reliability;
        const counts = [];
        if (rel) {
          const n = Math.max(0, ...Object.values(rel.by_cause).map((v) => v.length));
          for (let b = 0; b < n; ++b) counts.push({x: (b + 0.5) * rel.bin_s / unit.div, y: Object.values(rel.by_cause).reduce((a, v) => a + (v[b] || 0), 0)});
        }
        return {label: r.label, data: counts, borderColor: color(i), backgroundColor: color(i), borderDash: dash(i), pointRadius: 2, borderWidth: 1.5};
      });
      sr.appendChild(el('h3', {text: 'Failures over time (per bin of each run)'}));
      chart(sr, 'failures-time', 240, {type: 'line', data: {datasets: datasets}, options: {parsing: false,
        scales: {x: axis(unit.name, {type: 'linear', min: 0, max: end / unit.div}), y: axis('failures per bin', {beginAtZero: true, ticks: {precision: 0}})}}});
      sr.appendChild(el('h3', {text: 'Time lost (hours)'}));
      groupedBars(sr, 'lost-time', ['work lost', 'restarts', 'checkpoint writes'], runs, (r, k) => {
        const rel = r.reliability;
        if (!rel) return 0;
        return {'work lost': rel.lost_work_s, 'restarts': rel.restart_overhead_s, 'checkpoint writes': rel.checkpoint_overhead_s}[k] / 3600;
      }, 'hours', (v) => num(v, 1) + ' h');
    }

    if (runs.some((r) => r.inference)) {
      const si = section('inference', 'Inference', 'Latency CDFs per service and region, one line per run (first run solid).');
      const keys = [];
      for (const r of runs) if (r.inference) for (const g of r.inference.regions) {
        const k = g.service + ' / ' + g.region;
        if (!keys.includes(k) && g.completed > 0) keys.push(k);
      }
      const region = (r, k) => r.inference ? r.inference.regions.find((g) => g.service + ' / ' + g.region === k) : null;
      keys.slice(0, 6).forEach((k, n) => {
        const pair = el('div', {cls: 'pair'});
        si.appendChild(el('h3', {text: k}));
        si.appendChild(pair);
        const a = el('div', {}, [el('h4', {text: 'Time to first token'})]), b = el('div', {}, [el('h4', {text: 'Time per output token'})]);
        const c = el('div', {}, [el('h4', {text: 'End-to-end latency'})]);
        pair.appendChild(a); pair.appendChild(b); pair.appendChild(c);
        const lines = (metric) => runs.map((r, i) => { const g = region(r, k); return {label: r.label, cdf: g && g[metric] ? g[metric] : [], color: color(i), dash: dash(i)}; });
        // The service's SLO when the runs that have the service agree on it (a sweep of one scenario); none otherwise.
        const sloFor = (metric) => {
          const service = k.split(' / ')[0];
          const values = runs.map((r) => r.inference ? r.inference.services.find((x) => x.name === service) : null).filter((v) => v)
            .map((v) => v.slo_s ? v.slo_s[metric] : null);
          return values.length && values[0] && values.every((v) => v === values[0]) ? [{label: service, value: values[0]}] : [];
        };
        cdfChart(a, 'ttft-cdf-' + n, lines('ttft_cdf'), sloFor('ttft'), 'time to first token');
        if (lines('tpot_cdf').some((l) => l.cdf.some((v) => v > 0))) cdfChart(b, 'tpot-cdf-' + n, lines('tpot_cdf'), sloFor('tpot'), 'time per output token');
        else b.appendChild(el('p', {cls: 'note', text: 'No time per output token in these runs.'}));
        cdfChart(c, 'e2e-cdf-' + n, lines('e2e_cdf'), sloFor('e2e'), 'end-to-end latency');
      });
      if (keys.length > 6) si.appendChild(el('p', {cls: 'note', text: 'The first 6 of ' + keys.length + ' service regions.'}));
      si.appendChild(el('h3', {text: 'SLO attainment per region (%)'}));
      groupedBars(si, 'slo-attainment', keys, runs, (r, k) => { const g = region(r, k); return g ? 100 * g.slo_attainment : null; }, 'SLO attainment (%)', (v) => num(v, 1) + '%');
      // Tenants: one row per tenant and run, deltas against the first run that has the tenant.
      const tenantNames = [];
      for (const r of runs) for (const t of (r.inference && r.inference.tenants) || []) if (!tenantNames.includes(t.tenant)) tenantNames.push(t.tenant);
      if (tenantNames.length) {
        si.appendChild(el('h3', {text: 'Tenants'}));
        const tenantOf = (r, n) => r.inference && r.inference.tenants ? r.inference.tenants.find((t) => t.tenant === n) : null;
        const rowsOut = [], attrs = [];
        for (const n of tenantNames) {
          const first = runs.map((r) => tenantOf(r, n)).find((t) => t) || null;
          runs.forEach((r) => {
            const t = tenantOf(r, n);
            if (!t) return;
            const fb = (f) => t === first ? null : f(first);
            rowsOut.push([n, {text: r.label, cls: 'text'}, num(t.requests, 0),
              deltaCell(t.completed > 0 ? 100 * t.slo_attainment : null, fb((x) => x.completed > 0 ? 100 * x.slo_attainment : null), (v) => num(v, 1) + '%', false),
              deltaCell(t.ttft_s.p50, fb((x) => x.ttft_s.p50), duration, true), deltaCell(t.ttft_s.p99, fb((x) => x.ttft_s.p99), duration, true),
              deltaCell(t.cost, fb((x) => x.cost), (v) => money(v, r.currency), true)]);
            attrs.push({'data-tenant': n, 'data-tenant-run': r.label, 'data-slo': String(t.slo_attainment), 'data-cost': String(t.cost)});
          });
        }
        table(si, 'tenants-compare', ['tenant', 'run', 'requests', 'SLO met', 'TTFT p50', 'TTFT p99', 'cost'], rowsOut, attrs);
      }
    }

    const se = section('energy', 'Energy, cost and carbon per site');
    const pair = el('div', {cls: 'pair'});
    se.appendChild(pair);
    const a = el('div', {}, [el('h3', {text: 'Energy (kWh)'})]);
    const b = el('div', {}, [el('h3', {text: 'Total cost of ownership (' + base.currency + ')'})]);
    const c = el('div', {}, [el('h3', {text: 'Carbon (t CO2e)'})]);
    pair.appendChild(a); pair.appendChild(b); pair.appendChild(c);
    const site = (r, n) => r.sites.find((x) => x.name === n);
    groupedBars(a, 'energy-sites', siteNames, runs, (r, n) => { const x = site(r, n); return x ? x.energy_kwh : null; }, 'kWh', (v) => num(v, 0) + ' kWh');
    groupedBars(b, 'cost-sites', siteNames, runs, (r, n) => { const x = site(r, n); return x ? x.tco_total : null; }, base.currency, (v) => money(v, base.currency));
    groupedBars(c, 'carbon-sites', siteNames, runs, (r, n) => { const x = site(r, n); return x ? x.carbon_kg / 1000 : null; }, 't CO2e', (v) => num(v, 1) + ' t');
    const timed = runs.filter((r) => r.energy_over_time);
    if (timed.length) {
      se.appendChild(el('p', {cls: 'note', text: 'Running totals over time, all sites together, one line per run (first run solid; site_energy.csv).'}));
      const pair2 = el('div', {cls: 'pair'});
      se.appendChild(pair2);
      for (const [key, id, label] of [['energy_kwh', 'energy-time', 'kWh so far'], ['tco', 'cost-time', base.currency + ' so far'], ['carbon_kg', 'carbon-time', 'kg CO2e so far']]) {
        const d = el('div');
        pair2.appendChild(d);
        chart(d, id, 240, {type: 'line', data: {datasets: runs.map((r, i) => {
          const e = r.energy_over_time;
          let sum = 0;
          const points = e ? [{x: 0, y: 0}].concat(e.to_s.map((t, k) => { sum += e.series.reduce((a, x) => a + (x[key][k] || 0), 0); return {x: t / unit.div, y: sum}; })) : [];
          return {label: r.label, data: points, borderColor: color(i), backgroundColor: color(i), borderDash: dash(i), pointRadius: 0, borderWidth: 1.5};
        })}, options: {parsing: false, scales: {x: axis(unit.name, {type: 'linear', min: 0, max: end / unit.div}), y: axis(label, {beginAtZero: true})},
          interaction: {mode: 'nearest', axis: 'x', intersect: false}, plugins: {tooltip: tooltipTitle(unit.name)}}});
      }
    }

    if (runs.some((r) => r.wan.length)) {
      const sw = section('wan', 'WAN links');
      if (runs.every((r) => r.wan.every((w) => !(w.bytes > 0)))) {
        sw.appendChild(el('p', {cls: 'note', id: 'wan-idle', text: 'No traffic crossed the WAN in any of these runs.'}));
        return;
      }
      const links = [];
      for (const r of runs) for (const w of r.wan) { const k = w.from + ' - ' + w.to; if (!links.includes(k)) links.push(k); }
      const link = (r, k) => r.wan.find((w) => w.from + ' - ' + w.to === k);
      groupedBars(sw, 'wan-links', links, runs, (r, k) => { const w = link(r, k); return w ? w.bytes / 1e9 : null; }, 'GB moved', (v) => num(v, 1) + ' GB');
    }
  }

  // ---- run, then report what was drawn -----------------------------------
  try {
    if (data.mode === 'compare') renderCompare(data.runs);
    else renderReport(data.runs[0]);
  } catch (e) {
    fail(e && e.stack ? e.stack.split('\n')[0] : e);
  }
  // Each chart's canvas: how many pixels it drew (the tests want more than none).
  const blank = [];
  for (const c of charts) {
    const canvas = c.canvas;
    let drawn = 0;
    try {
      const img = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < img.length; i += 4) if (img[i] !== 0) ++drawn;
    } catch (e) { drawn = -1; }
    canvas.dataset.drawn = String(drawn);
    if (drawn === 0) blank.push(canvas.id);
  }
  status.dataset.charts = String(charts.length);
  status.dataset.blank = blank.join(' ');
  status.dataset.sections = Array.from(root.querySelectorAll('section')).map((s) => s.id).join(' ');
  if (!errors.length) status.dataset.state = 'ok';
  status.textContent = status.dataset.state;
})();
