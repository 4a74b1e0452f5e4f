// Renders the report from the JSON data block. Data reaches the page only through
// textContent, attributes set one by one and data: image URLs, never as HTML.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var PAGE_SIZE = 100;
  var PROBLEMS = 'problems';
  var VERDICTS = ['error', 'differs', 'missing-in-source', 'missing-in-cloud', 'missing-in-store',
    'not-found', 'no-photo', 'in-sync'];
  var filters = { verdict: '', store: '', finding: '', q: '', page: 0 };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // Lower-cased text searched by the search box, built once per user.
  data.users.forEach(function (u) {
    var keys = u.keys || {};
    u.search = [u.name, keys.userPrincipalName, keys.mail, keys.samAccountName,
      keys.employeeId, keys.objectGuid].filter(Boolean).join(' ').toLowerCase();
    u.codes = {};
    u.problemStores = {};
    u.findings.forEach(function (f) {
      u.codes[f.code] = true;
      if (f.store && f.severity !== 'info') { u.problemStores[f.store] = true; }
    });
  });

  function matches(u) {
    if (filters.verdict === PROBLEMS) {
      if (u.verdict === 'in-sync' || u.verdict === 'no-photo') { return false; }
    } else if (filters.verdict && u.verdict !== filters.verdict) { return false; }
    if (filters.store && !u.problemStores[filters.store]) { return false; }
    if (filters.finding && !u.codes[filters.finding]) { return false; }
    if (filters.q && u.search.indexOf(filters.q.toLowerCase()) < 0) { return false; }
    return true;
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    filters.verdict = params.get('verdict') || '';
    filters.store = params.get('store') || '';
    filters.finding = params.get('finding') || '';
    filters.q = params.get('q') || '';
    filters.page = Math.max(0, parseInt(params.get('page') || '0', 10) || 0);
  }

  function writeHash() {
    var params = new URLSearchParams();
    ['verdict', 'store', 'finding', 'q'].forEach(function (k) { if (filters[k]) { params.set(k, filters[k]); } });
    if (filters.page) { params.set('page', String(filters.page)); }
    var hash = params.toString();
    try {
      history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
    } catch (e) { /* some file: viewers refuse; filters still work */ }
  }

  function count(list) {
    var counts = {};
    list.forEach(function (k) { counts[k] = (counts[k] || 0) + 1; });
    return counts;
  }

  function chart(container, counts, order, key, label) {
    container.textContent = '';
    var max = 1;
    order.forEach(function (k) { max = Math.max(max, counts[k] || 0); });
    order.forEach(function (k) {
      var n = counts[k] || 0;
      if (!n) { return; }
      var button = el('button', 'bar');
      button.type = 'button';
      button.setAttribute('aria-pressed', String(filters[key] === k));
      button.setAttribute('aria-label', label(k) + ': ' + n + ' users. Press to filter.');
      button.appendChild(el('span', key === 'verdict' ? 'label v-' + k : 'label', k));
      var track = el('span', 'track');
      var fill = el('span', 'fill');
      fill.style.width = (100 * n / max).toFixed(1) + '%';
      track.appendChild(fill);
      button.appendChild(track);
      button.appendChild(el('span', 'n', n));
      button.addEventListener('click', function () {
        filters[key] = filters[key] === k ? '' : k;
        filters.page = 0;
        update();
      });
      container.appendChild(button);
    });
  }

  function option(select, value) {
    var o = el('option', null, value);
    o.value = value;
    select.appendChild(o);
  }

  function picture(u, p) {
    var fig = el('figure', p.compared || null);
    if (p.thumb !== undefined) {
      var img = document.createElement('img');
      img.src = 'data:image/jpeg;base64,' + data.thumbs[p.thumb];
      img.alt = p.store + ' picture of ' + u.name;
      img.width = 64;
      img.height = 64;
      fig.appendChild(img);
    } else {
      var none = el('div', 'none', p.why || 'no picture');
      none.setAttribute('role', 'img');
      none.setAttribute('aria-label', p.store + ' has no picture of ' + u.name + ': ' + (p.why || 'no picture'));
      fig.appendChild(none);
    }
    var cap = el('figcaption');
    cap.appendChild(el('span', 'store', p.store));
    if (p.compared) { cap.appendChild(el('span', 'cmp', p.compared)); }
    if (p.size) { cap.appendChild(el('span', 'cmp', p.size)); }
    fig.appendChild(cap);
    return fig;
  }

  function row(u) {
    var tr = el('tr');
    tr.className = 'row v-row-' + u.verdict;
    var who = el('td');
    who.appendChild(el('div', 'name', u.name));
    var keys = Object.keys(u.keys || {}).filter(function (k) { return u.keys[k] !== u.name; })
      .map(function (k) { return k + ': ' + u.keys[k]; });
    if (keys.length) { who.appendChild(el('p', 'keys', keys.join(' · '))); }
    tr.appendChild(who);
    var verdict = el('td');
    verdict.appendChild(el('span', 'badge v-' + u.verdict, u.verdict));
    tr.appendChild(verdict);
    var pics = el('td');
    var box = el('div', 'pics');
    u.pictures.forEach(function (p) { box.appendChild(picture(u, p)); });
    pics.appendChild(box);
    tr.appendChild(pics);
    var findings = el('td');
    if (u.findings.length) {
      var list = el('ul', 'findings');
      u.findings.forEach(function (f) {
        var li = el('li', 'sev-' + f.severity);
        li.appendChild(el('span', 'code', f.code + (f.store ? ' (' + f.store + ')' : '')));
        li.appendChild(document.createTextNode(': ' + f.message));
        li.appendChild(el('span', 'hint', 'Next step: ' + f.hint));
        list.appendChild(li);
      });
      findings.appendChild(list);
    }
    tr.appendChild(findings);
    return tr;
  }

  function update() {
    var started = performance.now();
    writeHash();
    $('filter-verdict').value = filters.verdict;
    $('filter-store').value = filters.store;
    $('filter-finding').value = filters.finding;
    if ($('filter-q').value !== filters.q) { $('filter-q').value = filters.q; }
    var shown = data.users.filter(matches);
    var pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    filters.page = Math.min(filters.page, pages - 1);
    var slice = shown.slice(filters.page * PAGE_SIZE, (filters.page + 1) * PAGE_SIZE);
    var body = $('rows');
    var fragment = document.createDocumentFragment();
    slice.forEach(function (u) { fragment.appendChild(row(u)); });
    body.textContent = '';
    body.appendChild(fragment);
    $('shown').textContent = 'Showing ' + (shown.length ? filters.page * PAGE_SIZE + 1 : 0) + '–' +
      (filters.page * PAGE_SIZE + slice.length) + ' of ' + shown.length + ' users' +
      (shown.length !== data.users.length ? ' (filtered from ' + data.users.length + ')' : '');
    $('page-label').textContent = 'Page ' + (filters.page + 1) + ' of ' + pages;
    $('page-prev').disabled = filters.page === 0;
    $('page-next').disabled = filters.page >= pages - 1;
    chart($('verdict-chart'), verdictCounts, VERDICTS, 'verdict', function (k) { return k; });
    chart($('finding-chart'), findingCounts, findingOrder, 'finding', function (k) { return k; });
    document.body.setAttribute('data-matching', String(shown.length));
    document.body.setAttribute('data-rendered', String(slice.length));
    document.body.setAttribute('data-render-ms', (performance.now() - started).toFixed(1));
  }

  var verdictCounts = count(data.users.map(function (u) { return u.verdict; }));
  var findingCounts = count([].concat.apply([], data.users.map(function (u) { return Object.keys(u.codes); })));
  var findingOrder = Object.keys(findingCounts).sort(function (a, b) { return findingCounts[b] - findingCounts[a] || (a < b ? -1 : 1); });

  VERDICTS.forEach(function (v) { if (verdictCounts[v]) { option($('filter-verdict'), v); } });
  data.stores.forEach(function (s) { option($('filter-store'), s); });
  findingOrder.forEach(function (c) { option($('filter-finding'), c); });

  var generated = 'Generated ' + data.generated;
  if (data.summary) { generated += ' · ' + data.summary.users + ' users · exit code ' + data.summary.exitCode; }
  $('generated').textContent = generated;

  if (data.notes.length) {
    // Notes are shown a page at a time, like users: a run with thousands of unreadable
    // lines must not build thousands of elements when the page opens.
    var notes = $('notes');
    notes.appendChild(el('h2', null, 'Notes (' + data.notes.length + ')'));
    var list = el('ul');
    notes.appendChild(list);
    var more = el('button', null, '');
    more.type = 'button';
    more.id = 'more-notes';
    var showNotes = function (upTo) {
      data.notes.slice(list.children.length, upTo).forEach(function (n) {
        var li = el('li', null, n.message);
        if (n.hint) { li.appendChild(el('span', 'hint', 'Next step: ' + n.hint)); }
        list.appendChild(li);
      });
      var left = data.notes.length - list.children.length;
      more.textContent = 'Show ' + Math.min(left, PAGE_SIZE) + ' more of ' + left + ' notes left';
      more.hidden = left === 0;
    };
    more.addEventListener('click', function () { showNotes(list.children.length + PAGE_SIZE); });
    notes.appendChild(more);
    showNotes(PAGE_SIZE);
    notes.hidden = false;
  }

  ['verdict', 'store', 'finding'].forEach(function (k) {
    $('filter-' + k).addEventListener('change', function (e) { filters[k] = e.target.value; filters.page = 0; update(); });
  });
  $('filter-q').addEventListener('input', function (e) { filters.q = e.target.value; filters.page = 0; update(); });
  $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
  $('filter-clear').addEventListener('click', function () {
    filters.verdict = filters.store = filters.finding = filters.q = ''; filters.page = 0; update();
  });
  $('page-prev').addEventListener('click', function () { filters.page -= 1; update(); });
  $('page-next').addEventListener('click', function () { filters.page += 1; update(); });
  window.addEventListener('hashchange', function () { readHash(); update(); });

  readHash();
  update();
  // Milliseconds from navigation start to the first rows in the DOM (docs/report.md).
  document.body.setAttribute('data-ready-ms', performance.now().toFixed(0));
}());
