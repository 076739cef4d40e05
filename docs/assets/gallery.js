/* The gallery's search, filters, sort and views, and the accounts index's search.
 *
 * The page as served holds the controls with their option counts and the
 * first page of cards; every bot is in the data file (data-data, columns
 * written by generator/render/gallery.py), which this script fetches, then
 * ranks, filters and sorts, building each further card (buildCard, the same
 * markup as the template) only when it is shown. The view lives in the URL
 * (?search=&kind=&n=&era=&year=&sort=&view=), so it can be shared and a
 * reload restores it; not ?q=, which Material takes to open its own search
 * dialog. A committed change (a filter, the sort, the view, a search once
 * typed) is a history entry, so Back undoes it; how many cards are shown and
 * the scroll position ride in history.state, so Back from a bot page comes
 * back to the same place. It loads on every page and does nothing elsewhere.
 *
 * Card text comes from model cards (untrusted): it only ever reaches the DOM
 * through textContent and createTextNode, never as HTML.
 */
(function () {
  "use strict";
  var root = document.getElementById("ht-gallery");
  if (!root) return;
  if (window.performance && performance.mark) performance.mark("ht-gallery-start");
  var form = root.querySelector(".ht-controls");
  var list = root.querySelector(".ht-grid");
  var empty = root.querySelector(".ht-empty");
  var count = root.querySelector(".ht-count");
  var more = root.querySelector(".ht-more");
  var input = form.elements.search;
  var FILTERS = ["kind", "n", "era", "year"];
  var FIELDS = ["search"].concat(FILTERS, ["sort", "view"]);
  var DEFAULT_SORT = form.elements.sort.options[0].value;
  var VIEWS = ["grid", "list"];
  var VIEW_KEY = "ht-gallery-view"; // localStorage: the view last chosen
  var SORT_ATTR = { downloads: "d", likes: "l", newest: "c", updated: "u", kept: "t", rising: "r" };
  // Only the first PAGE matches are laid out (5,000 cards at once make every
  // keystroke slow); "Show more", or scrolling to it, reveals the next PAGE.
  var PAGE = Number(root.dataset.page) || 60;
  // Typo tolerance (MiniSearch's fuzzy match, one edit, plus one swap of two
  // neighbouring letters) starts at this many letters: shorter words have too
  // many neighbours to mean anything.
  var FUZZY_MIN = 4;
  var STATE_DELAY = 150; // ms between saves of the scroll position into history.state
  // While the visitor types, the URL of the search is written once typing
  // pauses this long (ms): each replaceState sends the browser the page's
  // whole history state, work that would compete with painting the results
  // of the next key. Leaving the page, a click on a card or another
  // change writes it at once (Back within the pause leaves the entry with
  // the search last written: the entry left can no longer be changed).
  var TYPING_URL_DELAY = 400;
  // While the visitor types, the cards below the screen go in this long (ms)
  // after the paint, or at once if the visitor scrolls: the next keystroke of
  // a word comes sooner and cancels them, so typing lays out and paints only
  // what the screen shows. After any other change (Show more, a filter) they
  // go in right after the paint.
  var REST_DELAY = 120;
  var restDelay = 0; // REST_DELAY while a search is being typed, else 0

  var WORD_RE = /[\p{L}\p{N}]+/gu;
  function tokens(text) {
    return text.toLowerCase().match(WORD_RE) || [];
  }

  var DATA_VERSION = 2; // gallery.py's DATA_VERSION
  var DAY = 864e5; // ms: the data file gives dates as days since 1970-01-01 (UTC)
  var items = null; // every bot, in the default sort's order, once the data file is in
  var byName = null;

  /* gallery.py's derived_search: the words a card is found by, unless the data file says otherwise. */
  function searchText(name, display) {
    var parts = [name, display].concat(name.split("-"), display !== name ? display.split(" & ") : []);
    var seen = {}, out = [];
    parts.forEach(function (p) { if (!Object.prototype.hasOwnProperty.call(seen, p)) { seen[p] = true; out.push(p); } });
    return out.join(" ");
  }
  /* The items, with only what the first view needs: what a search matches
   * (searchable) is worked out when the first search comes, or when the
   * browser is idle, not before the gallery is ready. */
  function makeItems(data) {
    var out = new Array(data.name.length);
    var years = {}; // day -> year, for the year filter
    for (var i = 0; i < out.length; i++) {
      var name = data.name[i], n = data.n[i], c = data.c[i];
      var year = "";
      if (c !== null) {
        year = years[c] || (years[c] = String(new Date(c * DAY).getUTCFullYear()));
      }
      var item = {
        id: i, rank: i,
        displayName: data.dn[i] || name, name: null, slug: name, handles: null, text: null, words: null, s: data.s[i],
        kind: data.kinds[data.k[i]], accounts: n, n: n >= 4 ? "4" : String(n), era: data.eras[data.e[i]], year: year,
        d: data.d[i], l: data.l[i], c: c, u: data.u[i], t: data.t[i], r: data.r[i],
        say: null, avatars: null, faces: data.f[i], keys: null,
      };
      item.keys = ["=" + item.kind, "=" + item.n, "=" + item.era, "=" + year];
      out[i] = item;
    }
    return out;
  }
  var searchable = false;
  var exact = null; // a bot's name and each of its handles -> the bots with it (tiers 0 and 1 of a word)
  function makeSearchable() {
    if (searchable) return;
    searchable = true;
    exact = Object.create(null);
    items.forEach(function (item) {
      var name = item.slug, text = (item.s === null ? searchText(name, item.displayName) : item.s).toLowerCase();
      item.name = name.toLowerCase();
      item.handles = item.name.split("-");
      item.text = text;
      item.words = tokens(text);
      [item.name].concat(item.handles).forEach(function (h, i, all) {
        if (all.indexOf(h) === i) (exact[h] || (exact[h] = [])).push(item);
      });
    });
  }
  /* A card's faces from the data file ("<colour><initials>", space-separated)
   * and the extras file (their avatars): [colour, initials, avatar or null]. */
  function faces(item) {
    var avatars = item.avatars ? item.avatars.split(" ") : [];
    return item.faces.split(" ").map(function (f, i) {
      return [colours[parseInt(f[0], 16)], f.slice(1), avatars[i] && avatars[i] !== "-" ? avatarDir + avatars[i] : null];
    });
  }
  var colours = null, avatarDir = "";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function countText(value) { return value === null ? "unknown" : fmt(value); }
  /* A card exactly as generator/templates/gallery.md.j2 writes one shown later than the first (lazy avatars). */
  function buildCard(item) {
    var li = el("li", "ht-card"), a = el("a"), top = el("span", "ht-card__top");
    a.setAttribute("href", "bots/" + item.slug + "/");
    var fs = faces(item);
    top.setAttribute("style", "--a:" + fs[0][0] + ";--b:" + fs[fs.length - 1][0]);
    top.setAttribute("aria-hidden", "true");
    fs.forEach(function (f) {
      var face = el("span", "ht-face", f[1]);
      face.setAttribute("style", "--ht-face:" + f[0]);
      if (f[2]) face.appendChild(avatar(f[2]));
      top.appendChild(face);
    });
    if (item.accounts > fs.length) top.appendChild(el("span", "ht-face ht-face--more", "+" + (item.accounts - fs.length)));
    a.appendChild(top);
    a.appendChild(el("span", "ht-card__name", item.displayName));
    var sub = el("span", "ht-card__sub");
    sub.appendChild(el("span", "ht-card__handle", "@" + item.slug));
    if (item.u !== null) {
      var updated = el("time", "ht-u", shortDate(item.u));
      updated.setAttribute("datetime", new Date(item.u * DAY).toISOString().slice(0, 10));
      updated.setAttribute("title", "Updated on the Hub");
      sub.appendChild(updated);
    }
    a.appendChild(sub);
    if (item.say) a.appendChild(el("span", "ht-card__say", item.say));
    var meta = el("span", "ht-card__meta");
    meta.appendChild(el("span", "ht-badge ht-badge--" + item.kind, item.kind === "cyborg" ? "CYBORG" : "BOT"));
    meta.appendChild(document.createTextNode((item.accounts > 1 ? " " + item.accounts + " accounts" : "") + " "));
    meta.appendChild(el("span", "ht-d", "↓ " + countText(item.d)));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("span", "ht-l", "♥ " + countText(item.l)));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("span", "ht-f"));
    a.appendChild(meta);
    li.appendChild(a);
    return li;
  }
  function avatar(src) {
    var img = el("img");
    img.setAttribute("src", src);
    img.setAttribute("width", "56");
    img.setAttribute("height", "56");
    img.setAttribute("alt", "");
    img.setAttribute("loading", "lazy");
    img.setAttribute("decoding", "async");
    return img;
  }
  /* The opening words of what each bot says and the faces' avatars come in a
   * file of their own (gallery.py's EXTRAS_FILE), fetched when the first card
   * the page did not have is shown; cards built before it is in get them
   * when it comes, in the template's places (a card's height is fixed and an
   * avatar covers its initials: nothing moves). */
  var extrasUrl = null, extras = null, extrasLoading = false;
  function loadExtras() {
    if (extrasLoading) return;
    extrasLoading = true;
    pending();
    fetch(extrasUrl, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + r.url);
        return r.json();
      })
      .then(function (data) {
        if (!data || data.v !== DATA_VERSION || !data.say || !data.a || data.say.length !== items.length) {
          throw new Error("gallery extras file: not version " + DATA_VERSION + " of " + items.length + " bots");
        }
        extras = data;
        avatarDir = data.avatars || "";
        items.forEach(function (item, i) {
          item.say = data.say[i];
          item.avatars = data.a[i];
        });
        // The cards filled before it came get their words and avatars (the served ones have them).
        slots.concat(spare).forEach(function (slot) { if (!slot.extras) fill(slot, slot.item, true); });
      })
      .catch(function (e) { if (window.console) console.error("gallery: " + e.message); }) // the cards work without
      .then(function () { extrasLoading = false; if (!extras) extrasUrl = null; pending(); });
  }
  /* A card element of the list (a slot) and the parts of it a change writes.
   * A slot shows one item; given another, it is rewritten in place (text,
   * attributes, the faces and optional parts added or taken out where the
   * two differ), not replaced: a keystroke then restyles, lays out and paints
   * only what changed on the cards the screen shows, and builds no nodes.
   * The result is the markup buildCard makes for that item (a browser test
   * compares them). */
  function Slot(li, item, withExtras) {
    var a = li.firstElementChild, sub = a.querySelector(".ht-card__sub"), meta = a.querySelector(".ht-card__meta");
    this.li = li;
    this.a = a;
    this.top = a.firstElementChild;
    this.name = a.querySelector(".ht-card__name");
    this.sub = sub;
    this.handle = sub.firstElementChild;
    this.time = sub.querySelector(".ht-u");
    this.say = a.querySelector(".ht-card__say");
    this.meta = meta;
    this.badge = meta.firstElementChild;
    this.accounts = this.badge.nextSibling; // the text node " N accounts " (or " ")
    this.d = meta.querySelector(".ht-d");
    this.l = meta.querySelector(".ht-l");
    this.f = meta.querySelector(".ht-f");
    // The served cards past the first few carry their avatars as data-src: given when first shown.
    var lazy = li.querySelectorAll("img[data-src]");
    this.lazy = lazy.length ? lazy : null;
    this.item = item;
    this.extras = withExtras; // it shows the item's words and avatars (else they come with the extras file)
    this.hl = null; // the query its name and handle are highlighted for
    this.figure = null; // the sort its figure is written for
  }
  /* Sets `e`'s text, rewriting its one text node when it has one: setting
   * textContent makes a new node each time, and the garbage of a sort change
   * (every card's figures) made for garbage collections of tens of ms. */
  function setText(e, text) {
    var t = e.firstChild;
    if (t !== null && t === e.lastChild && t.nodeType === 3) {
      if (t.nodeValue !== text) t.nodeValue = text;
    } else if (e.textContent !== text) {
      e.textContent = text;
    }
  }
  function setAttr(e, name, value) {
    if (e.getAttribute(name) !== value) e.setAttribute(name, value);
  }
  /* A new slot for `item` (built with buildCard, or a spare one filled again). */
  function take(item) {
    var slot = spare.pop();
    if (slot) fill(slot, item);
    else slot = new Slot(buildCard(item), item, !extrasUrl || !!extras);
    if (!slot.extras) loadExtras();
    return slot;
  }
  /* Rewrites `slot` to show `item`, writing only what differs (`force`: even if it shows it already). */
  function fill(slot, item, force) {
    if (slot.item === item && !force) return;
    if (slot.item !== item) {
      slot.item = item;
      slot.hl = null;
      slot.figure = null;
      slot.lazy = null;
    }
    slot.extras = !extrasUrl || !!extras;
    if (!slot.extras) loadExtras();
    setAttr(slot.a, "href", "bots/" + item.slug + "/");
    fillFaces(slot.top, item);
    if (item.u !== null) {
      var t = slot.time;
      if (!t) {
        t = slot.time = el("time", "ht-u");
        t.setAttribute("datetime", "");
        t.setAttribute("title", "Updated on the Hub");
        slot.sub.appendChild(t);
      }
      setText(t, shortDate(item.u));
      setAttr(t, "datetime", new Date(item.u * DAY).toISOString().slice(0, 10));
    } else if (slot.time) {
      slot.time.remove();
      slot.time = null;
    }
    if (item.say) {
      if (!slot.say) slot.say = slot.a.insertBefore(el("span", "ht-card__say"), slot.meta);
      setText(slot.say, item.say);
    } else if (slot.say) {
      slot.say.remove();
      slot.say = null;
    }
    setAttr(slot.badge, "class", "ht-badge ht-badge--" + item.kind);
    setText(slot.badge, item.kind === "cyborg" ? "CYBORG" : "BOT");
    var accounts = (item.accounts > 1 ? " " + item.accounts + " accounts" : "") + " ";
    if (slot.accounts.nodeValue !== accounts) slot.accounts.nodeValue = accounts;
    setText(slot.d, "↓ " + countText(item.d));
    setText(slot.l, "♥ " + countText(item.l));
  }
  /* The faces of `item` in a card's band: its colours, each face's colour, initials and avatar, "+N". */
  function fillFaces(top, item) {
    var fs = faces(item);
    setAttr(top, "style", "--a:" + fs[0][0] + ";--b:" + fs[fs.length - 1][0]);
    var kids = top.children;
    for (var j = 0; j < fs.length; j++) {
      var face = kids[j];
      if (!face || face.classList.contains("ht-face--more")) face = top.insertBefore(el("span", "ht-face"), face || null);
      setAttr(face, "style", "--ht-face:" + fs[j][0]);
      var text = face.firstChild && face.firstChild.nodeType === 3 ? face.firstChild : null;
      if (text && fs[j][1]) {
        if (text.nodeValue !== fs[j][1]) text.nodeValue = fs[j][1];
      } else if (text) {
        text.remove();
      } else if (fs[j][1]) {
        face.insertBefore(document.createTextNode(fs[j][1]), face.firstChild);
      }
      var img = face.lastElementChild, src = fs[j][2];
      if (img && img.getAttribute("src") !== src) { img.remove(); img = null; }
      if (src && !img) face.appendChild(avatar(src));
    }
    while (kids.length > fs.length && !kids[fs.length].classList.contains("ht-face--more")) kids[fs.length].remove();
    var more = item.accounts > fs.length ? "+" + (item.accounts - fs.length) : null, last = kids[fs.length];
    if (more && last) setText(last, more);
    else if (more) top.appendChild(el("span", "ht-face ht-face--more", more));
    else if (last) last.remove();
  }

  // --- The query ------------------------------------------------------------

  /* What a visitor pastes as well as what they type: a Hub URL or repo id
   * (huggingface.co/huggingtweets/NAME, huggingtweets/NAME), a gallery URL
   * (.../bots/NAME/), a Twitter/X URL, or words with or without "@". */
  function queryWords(raw) {
    var q = raw.trim();
    if (/^\S+\/\S*$/.test(q)) {
      var twitter = /^(?:https?:\/\/)?(?:www\.|mobile\.)?(?:twitter|x)\.com\/@?([A-Za-z0-9_]+)/i.exec(q);
      var repo = /(?:^|\/)(?:huggingtweets|bots)\/([^\/?#\s]+)/i.exec(q.replace(/^[a-z]+:\/\/[^\/]+/i, ""));
      if (repo) q = decodeURIComponentSafe(repo[1]);
      else if (twitter) q = twitter[1];
    }
    return q.toLowerCase().split(/\s+/).map(function (w) { return w.replace(/^@+/, ""); })
      .filter(function (w) { return w; });
  }
  function decodeURIComponentSafe(s) {
    try { return decodeURIComponent(s); } catch (e) { return s; }
  }

  // --- Typo tolerance: MiniSearch (vendored), loaded when first needed ------

  var mini = null;
  var miniLoading = false;
  function loadMini() {
    if (mini || miniLoading || !items) return;
    miniLoading = true;
    var script = document.createElement("script");
    script.src = root.dataset.minisearch;
    script.onload = function () {
      if (!window.MiniSearch) return;
      var index = new window.MiniSearch({
        fields: ["words"],
        extractField: function (item, field) {
          return field === "id" ? item.id : item.words.join(" ") + " " + item.handles.join(" ");
        },
        tokenize: function (text) { return text.split(" "); },
      });
      makeSearchable();
      index.addAll(items);
      mini = index;
      root.setAttribute("data-fuzzy", "");
      if (input.value) apply();
    };
    document.head.appendChild(script);
  }
  // The words one swap of neighbouring letters away ("dirl" -> "dril"):
  // MiniSearch's edit distance counts a swap as two edits.
  function swaps(w) {
    var out = [];
    for (var i = 0; i + 1 < w.length; i++) {
      if (w[i] !== w[i + 1]) out.push(w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2));
    }
    return out;
  }
  var fuzzyCache = {}; // query word -> its fuzzy ids (a word typed and erased is not searched again)
  var fuzzyCached = [];
  var FUZZY_CACHE = 64;
  function fuzzyIds(w) {
    if (!mini || w.length < FUZZY_MIN) return {};
    if (Object.prototype.hasOwnProperty.call(fuzzyCache, w)) return fuzzyCache[w];
    var ids = {};
    var query = { combineWith: "OR", queries: [{ queries: [w], fuzzy: 1, prefix: false }].concat(
      swaps(w).map(function (s) { return { queries: [s], fuzzy: false, prefix: false }; })) };
    mini.search(query).forEach(function (r) { ids[r.id] = true; });
    fuzzyCache[w] = ids;
    fuzzyCached.push(w);
    if (fuzzyCached.length > FUZZY_CACHE) delete fuzzyCache[fuzzyCached.shift()];
    return ids;
  }

  /* How well one query word matches an item: 0 the bot's own handle, 1 one of
   * a cyborg's handles, 2 a handle's beginning, 3 the beginning of a word of a
   * display name, 4 anywhere, 5 within one typo; -1 not at all. */
  function tier(item, w, fuzzy) {
    if (item.name === w) return 0;
    var i, hs = item.handles;
    for (i = 0; i < hs.length; i++) if (hs[i] === w) return 1;
    if (item.name.lastIndexOf(w, 0) === 0) return 2;
    for (i = 0; i < hs.length; i++) if (hs[i].lastIndexOf(w, 0) === 0) return 2;
    var ws = item.words;
    for (i = 0; i < ws.length; i++) if (ws[i].lastIndexOf(w, 0) === 0) return 3;
    if (item.text.indexOf(w) !== -1) return 4;
    return fuzzy[item.id] ? 5 : -1;
  }
  var TIERS = 6;
  var TYPO = 5; // the tier of a match within one typo

  // What the last query found by its words themselves (every word in the
  // bot's text, tiers 0-4), by item id, and those words. A bot a longer query
  // finds that way holds each of its words, so each word it contains of the
  // last query: when every word of the new query contains the last one's
  // ("dr" -> "dri", "alex" -> "alex smith"), only those bots, and the ones a
  // typo finds, need looking at. At 20,000 bots that makes every keystroke of
  // a word but the first a small fraction of a full pass.
  var strict = null, strictWords = null;
  function narrows(words) {
    if (strict === null || words.length < strictWords.length) return false;
    for (var k = 0; k < strictWords.length; k++) if (words[k].indexOf(strictWords[k]) === -1) return false;
    return true;
  }
  /* The first `n` results of a one-word query too short for typos, found
   * without passing over every bot: the bots with that name or handle
   * (tiers 0 and 1, looked up), then, in the sort's order, the ones with a
   * handle starting with it (tier 2) until there are `n`; null if fewer bots
   * than that start with it (the full pass finds the rest). A word's first
   * key then costs as much at 20,000 bots as at 5,000 before its paint; the
   * counts and the cards below the screen come from the full pass after it. */
  function firstMatches(w, n, wanted, within) {
    function ok(item) {
      if (within !== null && within[item.id] === 0) return false;
      for (var k = 0; k < wanted.length; k++) if (wanted[k] !== null && item.keys[k] !== wanted[k]) return false;
      return true;
    }
    var head = [[], []], found = exact[w] || [], item, i;
    for (i = 0; i < found.length; i++) if (ok(found[i])) head[tier(found[i], w, NONE)].push(found[i]);
    head.forEach(function (h) { h.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); }); });
    var need = n - head[0].length - head[1].length, starts = [];
    for (i = 0; i < order.length && starts.length < need; i++) {
      item = order[i];
      if (item.name.lastIndexOf(w, 0) !== 0 && !item.handles.some(function (h) { return h.lastIndexOf(w, 0) === 0; })) continue;
      if (ok(item) && tier(item, w, NONE) === 2) starts.push(item);
    }
    if (starts.length < need) return null;
    return head[0].concat(head[1], starts).slice(0, n);
  }
  var NONE = {}; // no typo matches
  function typoMatch(fuzzy, id) {
    for (var j = 0; j < fuzzy.length; j++) if (fuzzy[j][id]) return true;
    return false;
  }

  // --- State ----------------------------------------------------------------

  function storedView() {
    try { return localStorage.getItem(VIEW_KEY); } catch (e) { return null; }
  }
  function state() {
    var s = {};
    FIELDS.forEach(function (f) { s[f] = form.elements[f].value; });
    return s;
  }
  function urlFor(s) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (f) {
      if (!s[f] || (f === "sort" && s[f] === DEFAULT_SORT) || (f === "view" && s[f] === "grid")) return;
      params.set(f, s[f]);
    });
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "") + location.hash;
  }
  function restoreForm() {
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (f) {
      var el = form.elements[f];
      var value = params.get(f) || "";
      if (f === "view") {
        if (VIEWS.indexOf(value) === -1) value = storedView();
        if (VIEWS.indexOf(value) === -1) value = "grid";
      } else if (f === "sort") {
        if (!SORT_ATTR[value] && value !== "name") value = DEFAULT_SORT;
      }
      if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
        value = f === "sort" ? DEFAULT_SORT : "";
      }
      el.value = value;
    });
  }

  // --- Sorting, the figure of the sort on each card, highlighting -----------

  var orders = {}; // sort key -> every item in that order (the data does not change: sort once)
  function sorted(key) {
    if (key === "name") return byNameOrder();
    var attr = SORT_ATTR[key] || SORT_ATTR[DEFAULT_SORT];
    if (!orders[attr]) orders[attr] = key === DEFAULT_SORT ? items : sortedBy(attr); // the data file's own order
    return orders[attr];
  }
  /* Every item by name (item.rank: its place there, which breaks ties in the other sorts). */
  function byNameOrder() {
    if (!byName) {
      var keyed = items.map(function (item) { return [item.slug.toLowerCase(), item]; });
      keyed.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
      byName = keyed.map(function (k, i) { k[1].rank = i; return k[1]; });
    }
    return byName;
  }
  /* Every item by `attr`: larger first, unknown (null) last, ties in name
   * order. Each item becomes one number, (-value) * RANKS + its rank by name
   * (exact while |value| < VALUE_LIMIT and there are at most RANKS items),
   * and a Float64Array sorts those natively: ~1 ms at 5,000 bots, where a
   * comparator took 3-40 ms (the slowest sort changes). A value it cannot
   * encode (not a whole number, or too large) sorts them with the comparator. */
  var RANKS = 131072; // 2^17: items the encoding has room for
  var VALUE_LIMIT = 34359738368; // 2^35: |value| below it; VALUE_LIMIT * RANKS + RANKS < 2^53, exact in a double
  function sortedBy(attr) {
    var names = byNameOrder(), n = names.length;
    if (n <= RANKS) {
      var keys = new Float64Array(n), i;
      for (i = 0; i < n; i++) {
        var v = names[i][attr];
        if (v === null) v = -VALUE_LIMIT; // after every known value
        else if (typeof v !== "number" || v % 1 !== 0 || v <= -VALUE_LIMIT || v >= VALUE_LIMIT) break;
        keys[i] = -v * RANKS + i;
      }
      if (i === n) {
        keys.sort();
        var out = new Array(n);
        for (i = 0; i < n; i++) out[i] = names[keys[i] - Math.floor(keys[i] / RANKS) * RANKS];
        return out;
      }
    }
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
  // gallery.py's short_date: fixed month names, so the script writes a date exactly as the page does.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function shortDate(days) {
    var d = new Date(days * DAY);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }
  // One formatter for every figure: toLocaleString("en") makes a new one each call (~2 ms a keystroke).
  var NUMBER = new Intl.NumberFormat("en");
  function fmt(n) { return NUMBER.format(n); }
  function figureText(item, key) {
    switch (key) {
      case "newest": return item.c === null ? "created: unknown" : "created " + shortDate(item.c);
      // Every card shows its updated date: sorted by it, that date stands out, as ↓ and ♥ do.
      case "updated": return item.u === null ? "updated: unknown" : "";
      case "kept": return item.t === null ? "tweets kept: unknown" : fmt(item.t) + " tweets kept";
      case "rising": return item.r === null ? "rise: unknown" : (item.r > 0 ? "+" : "") + fmt(item.r) + " ↓ in 7 nights";
      default: return "";
    }
  }
  function setFigure(slot, key) {
    if (slot.figure === key) return;
    setText(slot.f, figureText(slot.item, key));
    slot.figure = key;
  }

  /* Marks every occurrence of the query words in `text`, as DOM nodes. */
  function marked(el, text, words) {
    var lower = text.toLowerCase();
    var ranges = [];
    if (lower.length === text.length) { // else lower-casing moved offsets: do not guess
      words.forEach(function (w) {
        for (var at = lower.indexOf(w); at !== -1 && w; at = lower.indexOf(w, at + w.length)) ranges.push([at, at + w.length]);
      });
    }
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    el.textContent = "";
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[0] < pos) { if (r[1] <= pos) return; r = [pos, r[1]]; }
      if (r[0] > pos) el.appendChild(document.createTextNode(text.slice(pos, r[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(r[0], r[1]);
      el.appendChild(mark);
      pos = r[1];
    });
    if (pos < text.length) el.appendChild(document.createTextNode(text.slice(pos)));
  }
  function highlight(slot, words, key) {
    if (slot.hl === key) return;
    var item = slot.item;
    if (words.length) {
      marked(slot.name, item.displayName, words);
      marked(slot.handle, "@" + item.slug, words);
    } else {
      setText(slot.name, item.displayName);
      setText(slot.handle, "@" + item.slug);
    }
    slot.hl = key;
  }

  // --- Applying the state ---------------------------------------------------

  /* Runs `fn` in a task after the next frame is painted (requestAnimationFrame
   * runs just before the frame; a task it queues runs after it). */
  function afterPaint(fn) {
    requestAnimationFrame(function () { setTimeout(fn, 0); });
  }
  // data-pending: work is queued for after the paint (the cards below the
  // screen, the history entry); the browser tests wait for it to go.
  function pending() {
    var now = !!(rest || saveQueued || extrasLoading || completing);
    if (now !== root.hasAttribute("data-pending")) root.toggleAttribute("data-pending", now);
  }

  var limit = PAGE;
  var order = null;
  var currentSort = null;
  var options = {};
  FILTERS.forEach(function (f) {
    options[f] = Array.prototype.map.call(form.elements[f].options, function (o) {
      return { el: o, value: o.value, label: o.textContent.replace(/\s*\([\d,]+\)$/, "") };
    });
  });


  // --- The cards on the page: the ones on screen at once, the rest after the paint

  var slots = []; // the cards in the list, in order: slots[k].item is the k-th item shown
  var spare = []; // cards taken out of the list (fewer shown), to be filled again
  var rest = null; // the cards still to add after the paint, and how to prepare them

  /* How many cards, from the first, reach the bottom of the screen. Every
   * card of a view has the same height (gallery.css), so this follows from
   * the first card's box (or, when the list is empty, from the last one
   * seen in this view); it is read before anything on the page changes,
   * when that costs no layout beyond the search box's. */
  var grid = null; // the last cards' geometry: {list: the view, cols, step}
  function onScreen() {
    var listView = document.documentElement.classList.contains("ht-list");
    var box = list.firstElementChild, listBox = list.getBoundingClientRect();
    if (box) {
      var r = box.getBoundingClientRect();
      var cols = Math.max(1, Math.round(listBox.width / Math.max(1, r.width)));
      var next = box.nextElementSibling, step = r.height;
      for (var i = 1; next && i < cols; i++) next = next.nextElementSibling;
      if (next) step = next.getBoundingClientRect().top - r.top;
      else if (grid && grid.list === listView && grid.cols === cols) step = grid.step; // one row: its step is unknown here
      grid = { list: listView, cols: cols, step: step };
    } else if (!grid || grid.list !== listView) {
      return PAGE;
    }
    // The "no bot matches" line goes when cards come back: they move up, a row at most.
    var rows = Math.ceil(Math.max(0, window.innerHeight - listBox.top) / Math.max(1, grid.step)) + (empty.hidden ? 0 : 1);
    return Math.max(grid.cols, grid.cols * rows);
  }
  function prepare(slot, item, hlKey, words, sort) {
    fill(slot, item);
    if (slot.lazy) {
      // The avatar as buildCard makes it (a card then has one markup, however it came to show it).
      for (var m = 0; m < slot.lazy.length; m++) slot.lazy[m].replaceWith(avatar(slot.lazy[m].getAttribute("data-src")));
      slot.lazy = null;
    }
    setFigure(slot, sort);
    highlight(slot, words, hlKey);
  }
  /* Puts `shown` in the list: the first `first` cards now, the others in a
   * task after the next paint (cancelled by a newer change). The cards
   * already in the list are rewritten in place; cards already showing the
   * right items at the start of the list stay as they are (Show more only
   * appends). */
  function show(shown, first, hlKey, words, sort) {
    var keep = 0;
    while (keep < slots.length && keep < shown.length && slots[keep].item === shown[keep]) keep++;
    first = Math.max(first, keep);
    while (slots.length > first) {
      var out = slots.pop();
      out.li.remove();
      spare.push(out);
    }
    var frag = null;
    for (var i = 0; i < first; i++) {
      if (i < slots.length) {
        prepare(slots[i], shown[i], hlKey, words, sort);
      } else {
        var slot = take(shown[i]);
        prepare(slot, shown[i], hlKey, words, sort);
        slots.push(slot);
        (frag || (frag = document.createDocumentFragment())).appendChild(slot.li);
      }
    }
    if (frag) list.appendChild(frag);
    if (first < shown.length) {
      var r = rest = { shown: shown, hlKey: hlKey, words: words, sort: sort, timer: 0 };
      var delay = restDelay;
      afterPaint(function () { if (rest === r) r.timer = setTimeout(function () { showRest(r); }, delay); });
    } else {
      rest = null;
    }
    pending();
  }
  function showRest(r) {
    if (rest !== r) return; // a newer change has put its own cards in place
    clearTimeout(r.timer);
    rest = null;
    pending();
    var frag = document.createDocumentFragment();
    for (var i = slots.length; i < r.shown.length; i++) {
      var slot = take(r.shown[i]);
      prepare(slot, r.shown[i], r.hlKey, r.words, r.sort);
      slots.push(slot);
      frag.appendChild(slot.li);
    }
    list.appendChild(frag);
    if (restoredAt === null) watchMore(); // is "Show more" in reach now that they are all in place?
  }

  var completing = null; // the full pass after a first paint of firstMatches, until it has run
  /* Shows the view the form says (`now`: every card at once; `full`: not
   * the short way of firstMatches). */
  function apply(now, full) {
    if (!items) return; // the data file is not in yet: start() applies the URL, which commit() keeps
    completing = null;
    var s = state();
    var listView = s.view === "list";
    // How many cards the screen shows, read before anything changes (a new view lays out anew: all at once).
    var fits = now || listView !== document.documentElement.classList.contains("ht-list") ? Infinity : onScreen();
    if (s.sort !== currentSort) {
      order = sorted(s.sort);
      currentSort = s.sort;
      list.setAttribute("data-sort", s.sort);
    }
    if (listView !== document.documentElement.classList.contains("ht-list")) document.documentElement.classList.toggle("ht-list", listView);
    var words = queryWords(s.search);
    if (words.length) makeSearchable();
    var fuzzy = words.map(fuzzyIds);
    if (words.length && !mini) loadMini();
    // One pass: each item's rank tier for the query, and the counts each
    // filter's options would give with the other filters as they are.
    var buckets = [];
    for (var b = 0; b < TIERS; b++) buckets.push([]);
    // counts[f]["=" + value]: bots that option would give; counts[f].all: its "Any".
    var counts = FILTERS.map(function () { return { all: 0 }; });
    var wanted = FILTERS.map(function (f) { return s[f] ? "=" + s[f] : null; });
    var nf = FILTERS.length;
    function tally(f, item) {
      var c = counts[f], k = item.keys[f];
      c.all++;
      c[k] = (c[k] || 0) + 1;
    }
    // Typing on (each word containing the last query's) finds only bots the
    // last query found without a typo, or by a typo: the others are skipped.
    var within = words.length && narrows(words) ? strict : null;
    if (!full && fits !== Infinity && words.length === 1 && words[0].length < FUZZY_MIN) {
      var firstCards = firstMatches(words[0], Math.min(fits, limit), wanted, within);
      if (firstCards) {
        strict = null; // the full pass after the paint finds what the next key may narrow to
        if (!empty.hidden) empty.hidden = true;
        show(firstCards, firstCards.length, words.join(" "), words, s.sort);
        var token = completing = {};
        pending();
        afterPaint(function () {
          if (completing !== token) return;
          apply(false, true);
          if (!rest && restoredAt === null) watchMore(); // the observer held back meanwhile: look again
        });
        return;
      }
    }
    var found = words.length ? new Uint8Array(items.length) : null;
    var matched = 0; // bots the query and the filters give (each tier keeps only its first `limit`: less to collect)
    for (var i = 0; i < order.length; i++) {
      var item = order[i];
      if (within !== null && within[item.id] === 0 && !typoMatch(fuzzy, item.id)) continue;
      var t = 0;
      for (var j = 0; j < words.length; j++) {
        var tj = tier(item, words[j], fuzzy[j]);
        if (tj === -1) { t = -1; break; }
        if (tj > t) t = tj;
      }
      if (t === -1) continue;
      if (found !== null && t < TYPO) found[item.id] = 1;
      // An item failing no filter is shown and counts for every option; one
      // failing a single filter counts only for that filter's options.
      var failed = -1, nfailed = 0;
      for (var k = 0; k < nf && nfailed < 2; k++) {
        if (wanted[k] !== null && item.keys[k] !== wanted[k]) { failed = k; nfailed++; }
      }
      if (nfailed === 0) {
        matched++;
        if (buckets[t].length < limit) buckets[t].push(item); // only the first `limit` can be shown
        for (k = 0; k < nf; k++) tally(k, item);
      } else if (nfailed === 1) {
        tally(failed, item);
      }
    }
    strict = found;
    strictWords = words;
    var shown = [].concat.apply([], buckets).slice(0, limit);
    show(shown, Math.min(shown.length, fits), words.join(" "), words, s.sort);
    // Only what changed is written: an unchanged text or attribute set again still costs a layout.
    FILTERS.forEach(function (f, k) {
      options[f].forEach(function (o) {
        var c = (o.value ? counts[k]["=" + o.value] : counts[k].all) || 0;
        var text = o.label + " (" + fmt(c) + ")";
        if (o.el.textContent !== text) o.el.textContent = text;
        var disabled = c === 0 && o.value !== "" && o.value !== s[f];
        if (o.el.disabled !== disabled) o.el.disabled = disabled;
      });
    });
    if (empty.hidden !== matched > 0) empty.hidden = matched > 0;
    if (more.hidden !== matched <= limit) more.hidden = matched <= limit;
    var total = fmt(items.length);
    var text = (matched === items.length ? total : fmt(matched) + " of " + total) +
      " bots" + (matched > limit ? ", " + fmt(limit) + " shown" : "");
    if (count.textContent !== text) count.textContent = text;
  }

  // --- History: committed changes push, typing replaces, Back restores ------

  var typing = false; // the current entry is a search being typed
  // Records how many cards are shown and the scroll position in the current
  // entry, and the URL of the form as it is when `url` is given. Reading the
  // scroll position lays the page out, so it is never done between changing
  // the cards and the paint that shows them.
  var pendingUrl = null; // the URL the current entry is to get, once the results are painted
  // Each history call costs the browser process some 8 ms of a core (as
  // much as the renderer's frame): an entry already holding the state is not
  // written again.
  function saveState() {
    if (saveDelayTimer) { clearTimeout(saveDelayTimer); saveDelayTimer = 0; saveQueued = false; pending(); }
    var url = pendingUrl;
    pendingUrl = null;
    var st = { ht: 1, limit: limit, scroll: Math.round(window.scrollY) };
    var held = history.state;
    if (url === null && held && held.ht === 1 && held.limit === st.limit && held.scroll === st.scroll) return st;
    if (url === null) history.replaceState(st, "");
    else history.replaceState(st, "", url);
    return st;
  }
  // A history entry costs the main thread milliseconds that would otherwise
  // stand between a keystroke and its results: it is written after the paint.
  var saveQueued = false, saveDelay = 0, saveDelayTimer = 0;
  function saveAfterPaint(delay) {
    saveDelay = delay || 0;
    clearTimeout(saveDelayTimer);
    saveDelayTimer = 0;
    if (saveQueued === 1) return; // the paint is still to come: the save after it takes the new delay
    saveQueued = 1;
    pending();
    afterPaint(function () {
      saveQueued = 2;
      saveDelayTimer = setTimeout(function () { saveDelayTimer = 0; saveQueued = false; saveState(); pending(); }, saveDelay);
    });
  }
  /* The form changed: "push" a new entry (the one we leave keeps its URL and
   * place), or "replace" the current one (a search being typed). `typed`: a
   * key of the search, whose cards below the screen wait (REST_DELAY). */
  function commit(kind, keepLimit, typed) {
    var url = urlFor(state());
    if (kind === "push") {
      // The entry we leave, before anything changes on the page (with the
      // cards it showed), then the new one: the same scroll position (a
      // change does not scroll; a shorter list clamps it, as it will again
      // when this entry is restored) and the cards it is to show. Nothing
      // is left to write after the paint.
      var scroll = saveState().scroll;
      if (!keepLimit) limit = PAGE;
      history.pushState({ ht: 1, limit: limit, scroll: scroll }, "", url);
    } else {
      pendingUrl = url;
      if (!keepLimit) limit = PAGE;
    }
    restDelay = typed ? REST_DELAY : 0;
    apply();
    if (kind !== "push") saveAfterPaint(TYPING_URL_DELAY);
  }
  var saveTimer = 0;
  window.addEventListener("scroll", function () {
    if (rest && rest.timer) showRest(rest); // the visitor may be about to see them
    if (!saveTimer) saveTimer = setTimeout(function () { saveTimer = 0; saveState(); }, STATE_DELAY);
    if (restoredAt !== null && Math.abs(window.scrollY - restoredAt) > 50) { restoredAt = null; watchMore(); }
  }, { passive: true });
  window.addEventListener("resize", function () { grid = null; }, { passive: true });
  window.addEventListener("pagehide", function () { saveState(); });
  document.addEventListener("visibilitychange", function () { if (document.hidden) saveState(); });
  list.addEventListener("click", function () { saveState(); });

  input.addEventListener("input", function () {
    commit(typing ? "replace" : "push", false, true);
    typing = true;
  });
  input.addEventListener("change", function () { typing = false; });
  form.addEventListener("change", function (e) {
    if (e.target === input) return;
    var view = e.target.name === "view";
    if (view) {
      try { localStorage.setItem(VIEW_KEY, e.target.value); } catch (err) { /* storage off: the URL still has it */ }
    }
    typing = false;
    commit("push", view);
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); typing = false; });

  function showMore() {
    limit += PAGE;
    restDelay = 0;
    apply();
    saveAfterPaint();
  }
  more.addEventListener("click", showMore);
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    // Not while the cards below the screen are still to come: "Show more" only looks in reach.
    // Nor while the full pass after a word's first cards is to come: until it has run, "Show more"
    // still says what the last view had, and the screen shows only the first cards.
    if (entries[0].isIntersecting && !more.hidden && restoredAt === null && !rest && !completing) showMore();
  }, { rootMargin: "600px" }) : null;
  function watchMore() {
    if (!observer) return;
    observer.unobserve(more);
    observer.observe(more);
  }
  // After a restore the "Show more" button may already be in reach; do not
  // take that for the visitor asking for more until they scroll.
  var restoredAt = null;

  function restore() {
    if (!items) return;
    pendingUrl = null; // the URL of an entry already left (Back within a frame of a keystroke): it keeps the one before
    restoreForm();
    typing = false;
    var st = history.state && history.state.ht ? history.state : null;
    limit = st && st.limit > 0 ? Math.ceil(st.limit / PAGE) * PAGE : PAGE;
    apply(true); // every card at once: the scroll position needs them
    if (st && st.scroll > 0) {
      window.scrollTo(0, st.scroll);
      restoredAt = window.scrollY;
    } else {
      restoredAt = null;
    }
    watchMore();
  }

  root.querySelector(".ht-reset").addEventListener("click", function () {
    input.value = "";
    FILTERS.forEach(function (f) { form.elements[f].value = ""; });
    form.elements.sort.value = DEFAULT_SORT;
    typing = false;
    commit("push");
    input.focus();
  });

  // "/" focuses this search (Material keeps "s" and "f" for its own).
  window.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    input.focus();
    input.select();
  }, true);
  input.addEventListener("focus", loadMini);

  window.addEventListener("popstate", restore);
  if ("scrollRestoration" in history) history.scrollRestoration = "manual";

  // --- Start: the data file, then the view the URL and history.state say ---

  function start(data) {
    if (!data || data.v !== DATA_VERSION || !data.name) throw new Error("gallery data file: not version " + DATA_VERSION);
    colours = data.colours;
    extrasUrl = data.extras || null;
    items = makeItems(data);
    order = items;
    // The cards in the page are the data's first ones, in order: keep them.
    var served = list.children;
    for (var i = 0; i < served.length && i < items.length; i++) {
      var handle = served[i].querySelector(".ht-card__handle");
      if (!handle || handle.textContent !== "@" + items[i].slug) break;
      slots.push(new Slot(served[i], items[i], true));
    }
    restore();
    if (document.activeElement === input) loadMini();
    root.setAttribute("data-ready", "");
    if (window.performance && performance.mark) performance.mark("ht-gallery-ready");
    // What the first search needs, while the visitor has not typed yet.
    var idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 200); };
    // Then each sort's order, one an idle time (~1 ms each at 5,000 bots), so no
    // sort change is the first to sort.
    var keys = Array.prototype.map.call(form.elements.sort.options, function (o) { return o.value; });
    function next() {
      if (keys.length) idle(function () { sorted(keys.shift()); next(); }, { timeout: 2000 });
    }
    idle(function () { makeSearchable(); byNameOrder(); next(); }, { timeout: 2000 });
  }
  fetch(root.dataset.data, { credentials: "same-origin" })
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for " + r.url);
      return r.json();
    })
    .then(start)
    .catch(function (e) {
      // The first page and the list pages still work; say why the rest does not.
      root.querySelector(".ht-error").hidden = false;
      root.setAttribute("data-error", "");
      if (window.console) console.error("gallery: " + e.message);
    });
})();

/* The accounts index: filter the server-rendered list as you type (by
 * handle or display name, every word must match); ?search= keeps it. */
(function () {
  "use strict";
  var root = document.getElementById("ht-accounts");
  if (!root) return;
  var input = root.querySelector(".ht-accounts__search input");
  var count = root.querySelector(".ht-accounts__count");
  var empty = root.querySelector(".ht-empty");
  var rows = Array.prototype.map.call(root.querySelectorAll(".ht-account-list > li"), function (el) {
    return { el: el, text: (el.getAttribute("data-s") || "").toLowerCase() };
  });
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).map(function (w) { return w.replace(/^@+/, ""); })
      .filter(function (w) { return w; });
    var shown = 0;
    rows.forEach(function (r) {
      var ok = words.every(function (w) { return r.text.indexOf(w) !== -1; });
      if (r.el.hidden === ok) r.el.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown === rows.length ? "" : shown.toLocaleString("en") + " of " + rows.length.toLocaleString("en") + " accounts";
    empty.hidden = shown > 0;
    history.replaceState(history.state, "", location.pathname + (input.value ? "?search=" + encodeURIComponent(input.value) : "") + location.hash);
  }
  root.querySelector(".ht-accounts__search").addEventListener("submit", function (e) { e.preventDefault(); });
  input.value = new URLSearchParams(location.search).get("search") || "";
  input.addEventListener("input", apply);
  if (input.value) apply();
})();
