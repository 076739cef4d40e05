/* The gallery's instant search, filters and sort.
 *
 * The page already lists every bot (server-rendered, so it works without
 * JavaScript); this script only hides and reorders those cards. State lives
 * in the URL (?search=&kind=&n=&era=&year=&sort=), so a view can be shared
 * and a reload restores it; not ?q=, which Material takes to open its own
 * search dialog. It loads on every page and does nothing elsewhere.
 */
(function () {
  "use strict";
  var root = document.getElementById("ht-gallery");
  if (!root) return;
  var form = root.querySelector(".ht-controls");
  var list = root.querySelector(".ht-grid");
  var empty = root.querySelector(".ht-empty");
  var count = root.querySelector(".ht-count");
  var more = root.querySelector(".ht-more");
  var FIELDS = ["search", "kind", "n", "era", "year", "sort"];
  var DEFAULT_SORT = form.elements.sort.options[0].value;
  var SORT_ATTR = { downloads: "d", likes: "l", newest: "c", updated: "u", kept: "t" };

  function num(value) {
    return value === undefined || value === "" ? null : Number(value);
  }
  var items = Array.prototype.map.call(list.children, function (el) {
    var d = el.dataset;
    return {
      el: el,
      text: (d.s || "").toLowerCase(),
      kind: d.k, n: Number(d.n), era: d.e, year: d.y,
      name: el.querySelector(".ht-card__handle").textContent.toLowerCase(),
      d: num(d.d), l: num(d.l), c: num(d.c), u: num(d.u), t: num(d.t),
    };
  });
  var byName = items.slice().sort(function (a, b) {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  byName.forEach(function (item, i) { item.rank = i; });

  function state() {
    var s = {};
    FIELDS.forEach(function (f) { s[f] = form.elements[f].value; });
    return s;
  }

  // Words of the query, each without leading "@", must all appear.
  function words(q) {
    return q.toLowerCase().split(/\s+/).map(function (w) { return w.replace(/^@+/, ""); })
      .filter(function (w) { return w; });
  }

  function matches(item, s, terms) {
    if (s.kind && item.kind !== s.kind) return false;
    if (s.n && (s.n === "4" ? item.n < 4 : item.n !== Number(s.n))) return false;
    if (s.era && item.era !== s.era) return false;
    if (s.year && item.year !== s.year) return false;
    for (var i = 0; i < terms.length; i++) {
      if (item.text.indexOf(terms[i]) === -1) return false;
    }
    return true;
  }

  function sorted(key) {
    if (key === "name") return byName;
    var attr = SORT_ATTR[key] || SORT_ATTR[DEFAULT_SORT];
    return items.slice().sort(function (a, b) {
      var x = a[attr], y = b[attr];
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
      } else if (x !== y) {
        return y - x;
      }
      return a.rank - b.rank;
    });
  }

  // Only the first PAGE matches are laid out (5,000 cards at once make every
  // keystroke slow); "Show more", or scrolling to it, reveals the next PAGE.
  var PAGE = 120;
  var limit = PAGE;
  var order = items;
  var currentSort = null;
  function apply(push) {
    var s = state();
    if (s.sort !== currentSort) {
      order = sorted(s.sort);
      var frag = document.createDocumentFragment();
      order.forEach(function (item) { frag.appendChild(item.el); });
      list.appendChild(frag);
      currentSort = s.sort;
    }
    var terms = words(s.search);
    var matched = 0;
    order.forEach(function (item) {
      var show = matches(item, s, terms) && ++matched <= limit;
      if (item.el.hidden === show) item.el.hidden = !show;
    });
    list.classList.add("ht-ready");
    empty.hidden = matched > 0;
    more.hidden = matched <= limit;
    var total = items.length.toLocaleString("en");
    count.textContent = (matched === items.length ? total : matched.toLocaleString("en") + " of " + total) +
      " bots" + (matched > limit ? ", " + limit.toLocaleString("en") + " shown" : "");
    if (push) {
      var params = new URLSearchParams();
      FIELDS.forEach(function (f) {
        if (s[f] && !(f === "sort" && s[f] === DEFAULT_SORT)) params.set(f, s[f]);
      });
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
  }
  function changed() {
    limit = PAGE;
    apply(true);
  }
  function showMore() {
    limit += PAGE;
    apply(false);
  }

  function restore() {
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (f) {
      var el = form.elements[f];
      var value = params.get(f) || (f === "sort" ? DEFAULT_SORT : "");
      if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
        value = f === "sort" ? DEFAULT_SORT : "";
      }
      el.value = value;
    });
  }

  form.hidden = false;
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  more.addEventListener("click", showMore);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries[0].isIntersecting && !more.hidden) showMore();
    }, { rootMargin: "600px" }).observe(more);
  }
  root.querySelector(".ht-reset").addEventListener("click", function () {
    form.reset();
    form.elements.sort.value = DEFAULT_SORT;
    changed();
    form.elements.search.focus();
  });
  window.addEventListener("popstate", function () { restore(); limit = PAGE; apply(false); });
  restore();
  apply(false);
})();
