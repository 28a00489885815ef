"use strict";
// Review page of `classifier review`. Every ad text is inserted with textContent, never as
// HTML. Only the current page of groups is in the DOM, so 10,000 ads stay fast.
(function () {
  const DATA = JSON.parse(document.getElementById("review-data").textContent);
  const META = DATA.meta;
  const INFO = DATA.indicators;
  const DECISIONS = ["suspicious", "not suspicious", "unsure"];
  const ADS_PER_PAGE = 40;     // a page holds whole groups, about this many ads
  const MEMBERS_SHOWN = 10;    // members of a big group shown before "show all"
  const STORE = "classifier-review:" + META.page_id;

  const ads = [];              // every ad of the queue, in queue order
  const groupOf = new Map();   // ad id -> its group
  for (const group of DATA.groups) {
    for (const ad of group.ads) { ads.push(ad); groupOf.set(ad.id, group); }
  }

  let decisions = {};
  try { decisions = JSON.parse(localStorage.getItem(STORE) || "{}") || {}; } catch (e) { decisions = {}; }
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify(decisions)); } catch (e) { /* private mode */ }
  }

  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const fmt = (x) => Number(x).toFixed(2);
  function tip(name) {
    const info = INFO[name];
    return info ? name.replace(/_/g, " ") + ": " + info.description + " Source: " + info.source
                : name.replace(/_/g, " ");
  }

  // ------------------------------------------------------------------ filters and pages
  const state = { page: 0, current: -1, expanded: new Set() };
  let pages = [];              // pages of [group, shown members]

  function matches(ad, f) {
    if (ad.score < f.min || ad.score > f.max) return false;
    if (f.indicator && !ad.indicators.includes(f.indicator)) return false;
    const decided = !!(decisions[ad.id] && decisions[ad.id].decision);
    if (f.status === "decided" && !decided) return false;
    if (f.status === "undecided" && decided) return false;
    if (f.search) {
      if (ad._lower === undefined) ad._lower = (ad.id + " " + ad.text).toLowerCase();
      if (!ad._lower.includes(f.search)) return false;
    }
    return true;
  }

  function filters() {
    const min = parseFloat($("score-min").value), max = parseFloat($("score-max").value);
    return { search: $("search").value.trim().toLowerCase(), indicator: $("indicator").value,
             min: isNaN(min) ? 0 : min, max: isNaN(max) ? 1 : max, status: $("status").value };
  }

  function paginate() {
    const f = filters();
    pages = [];
    let page = [], count = 0, total = 0;
    for (const group of DATA.groups) {
      const members = group.ads.filter((ad) => matches(ad, f));
      if (!members.length) continue;
      page.push([group, members]);
      count += Math.min(members.length, MEMBERS_SHOWN);
      total += members.length;
      if (count >= ADS_PER_PAGE) { pages.push(page); page = []; count = 0; }
    }
    if (page.length) pages.push(page);
    $("count").textContent = total === ads.length ? ads.length + " ads in " + DATA.groups.length + " groups"
      : total + " of " + ads.length + " ads match";
  }

  // ------------------------------------------------------------------ rendering
  function renderText(ad) {
    const p = el("p", "text");
    const text = ad.text, marks = ad.marks || [], contacts = ad.contacts || [];
    const cuts = new Set([0, text.length]);
    for (const [a, b] of marks) { cuts.add(a); cuts.add(b); }
    for (const [a, b] of contacts) { cuts.add(a); cuts.add(b); }
    const sorted = Array.from(cuts).sort((x, y) => x - y);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i], b = sorted[i + 1];
      const contact = contacts.find((c) => c[0] <= a && b <= c[1]);
      let node;
      if (contact) {
        if (contact[0] !== a) continue;        // the label stands for the whole contact
        node = el("span", "contact", contact[2] + " hidden");
        node.title = "Contact masked on this page (the file may travel); --show-contacts shows it.";
      } else {
        node = document.createTextNode(text.slice(a, b));
      }
      for (const [ma, mb, name] of marks) {
        if (ma <= a && b <= mb) {
          const mark = el("mark");
          mark.dataset.indicator = name;
          mark.title = tip(name);
          mark.dataset.tip = tip(name);
          mark.tabIndex = 0;
          mark.appendChild(node);
          node = mark;
        }
      }
      p.appendChild(node);
    }
    return p;
  }

  function reasonText(label, value) {
    const strength = Math.abs(value) >= 1 ? " strongly" : Math.abs(value) < 0.3 ? " slightly" : "";
    const what = label.startsWith("ind:") ? "indicator \u201c" + label.slice(4).replace(/_/g, " ") + "\u201d"
      : "the words \u201c" + label + "\u201d";
    return (value > 0 ? "Raises" : "Lowers") + " the score" + strength + ": " + what +
      " (" + (value > 0 ? "+" : "") + fmt(value) + " log-odds)";
  }

  function renderWhy(ad) {
    const box = el("details", "why");
    const verdict = ad.flagged ? "flagged: at or above the threshold " + fmt(META.threshold)
      : "not flagged: below the threshold " + fmt(META.threshold);
    box.appendChild(el("summary", "", "Why: score " + fmt(ad.score) + ", " + verdict +
      (ad.indicators.length ? "; " + ad.indicators.length + " indicator(s)" : "")));
    box.appendChild(el("p", "verdict", "The score is the model\u2019s estimate (0 to 1) that "
      + "reviewers would call this ad suspicious. It is a signal for your judgement, not proof."));
    if (ad.reasons.length) {
      const list = el("ul", "reasons");
      for (const [label, value] of ad.reasons) {
        const item = el("li", value > 0 ? "up" : "down", reasonText(label, value));
        if (label.startsWith("ind:")) item.title = tip(label.slice(4));
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    if (ad.indicators.length) {
      const chips = el("div", "chips");
      const placed = new Set((ad.marks || []).map((m) => m[2]));
      for (const name of ad.indicators) {
        const chip = el("span", placed.has(name) ? "chip" : "chip unplaced", name.replace(/_/g, " "));
        chip.title = tip(name) + (placed.has(name) ? "" : " (fired on the ad as a whole; no single passage found)");
        chips.appendChild(chip);
      }
      box.appendChild(chips);
    }
    return box;
  }

  function renderDecision(ad, box) {
    box.textContent = "";
    const current = decisions[ad.id];
    DECISIONS.forEach((decision, i) => {
      const button = el("button", "", (i + 1) + " " + decision);
      button.type = "button";
      button.dataset.decision = decision;
      button.setAttribute("aria-pressed", String(!!current && current.decision === decision));
      button.addEventListener("click", () => { decide(ad, decision); });
      box.appendChild(button);
    });
    const note = el("input", "note");
    note.type = "text";
    note.placeholder = "note (n)";
    note.value = current ? current.note || "" : "";
    note.setAttribute("aria-label", "Note on ad " + ad.id);
    note.addEventListener("change", () => { setNote(ad, note.value); });
    box.appendChild(note);
    if (current && current.decision) box.appendChild(el("span", "decided-at", "decided " + current.decided_at.replace("T", " ").slice(0, 16)));
  }

  function renderAd(ad) {
    const node = el("article", "ad");
    node.dataset.adId = ad.id;
    node.tabIndex = -1;
    const head = el("div", "ad-head");
    head.appendChild(el("span", "ad-id", ad.id));
    head.appendChild(el("span", "score " + (ad.flagged ? "flagged" : "under"), "score " + fmt(ad.score)));
    if (ad.time) head.appendChild(el("span", "ad-extra", ad.time));
    for (const [col, value] of Object.entries(ad.keep || {})) head.appendChild(el("span", "ad-extra", col + ": " + value));
    node.appendChild(head);
    node.appendChild(renderText(ad));
    node.appendChild(renderWhy(ad));
    const box = el("div", "decide");
    renderDecision(ad, box);
    node.appendChild(box);
    node.addEventListener("click", (event) => {
      if (!event.target.closest("button, input, summary, mark")) setCurrent(adNodes().indexOf(node), false);
    });
    return node;
  }

  function renderGroup(group, members) {
    const card = el("section", "group");
    card.dataset.groupId = group.id;
    const head = el("div", "group-head");
    head.appendChild(el("span", "group-title", group.size === 1 ? "1 ad" : group.size + " ads, one template or shared contact"));
    const bits = [];
    if (group.size_in_input > group.size) bits.push(group.size_in_input + " in the input");
    if (group.first) bits.push(group.first === group.last ? "posted " + group.first : group.first + " \u2013 " + group.last);
    bits.push("top score " + fmt(Math.max(...group.ads.map((a) => a.score))));
    if (members.length < group.ads.length) bits.push(members.length + " match the filters");
    head.appendChild(el("span", "group-info", bits.join(" \u00b7 ")));
    if (group.ads.length > 1) {
      const actions = el("span", "group-actions", "Whole group: ");
      DECISIONS.forEach((decision) => {
        const button = el("button", "", decision);
        button.type = "button";
        button.dataset.groupDecision = decision;
        button.addEventListener("click", () => { decideGroup(group, decision); });
        actions.appendChild(button);
      });
      head.appendChild(actions);
    }
    card.appendChild(head);
    const all = state.expanded.has(group.id);
    const shown = all ? members : members.slice(0, MEMBERS_SHOWN);
    for (const ad of shown) card.appendChild(renderAd(ad));
    if (shown.length < members.length) {
      const more = el("button", "more", "Show all " + members.length + " ads of this group");
      more.type = "button";
      more.addEventListener("click", () => { state.expanded.add(group.id); render(); });
      card.appendChild(more);
    }
    return card;
  }

  function render(keepCurrent) {
    const queue = $("queue");
    const currentId = keepCurrent ? currentAdId() : null;
    queue.textContent = "";
    state.page = Math.max(0, Math.min(state.page, pages.length - 1));
    if (!pages.length) queue.appendChild(el("p", "empty", ads.length ? "No ad matches the filters." : "No ad to review."));
    for (const [group, members] of pages[state.page] || []) queue.appendChild(renderGroup(group, members));
    $("page-info").textContent = pages.length ? "Page " + (state.page + 1) + " of " + pages.length : "";
    $("prev-page").disabled = state.page <= 0;
    $("next-page").disabled = state.page >= pages.length - 1;
    const nodes = adNodes();
    const again = currentId === null ? -1 : nodes.findIndex((n) => n.dataset.adId === currentId);
    state.current = -1;
    if (again >= 0) setCurrent(again, false);
    progress();
  }

  // ------------------------------------------------------------------ navigation
  const adNodes = () => Array.from(document.querySelectorAll("#queue [data-ad-id]"));
  function currentAdId() {
    const node = adNodes()[state.current];
    return node ? node.dataset.adId : null;
  }
  function setCurrent(index, scroll) {
    const nodes = adNodes();
    if (!nodes.length) return;
    index = Math.max(0, Math.min(index, nodes.length - 1));
    if (nodes[state.current]) nodes[state.current].classList.remove("current");
    state.current = index;
    nodes[index].classList.add("current");
    if (scroll !== false) {
      nodes[index].scrollIntoView({ block: "nearest" });
      nodes[index].focus({ preventScroll: true });
    }
  }
  function move(step) {
    const nodes = adNodes();
    const next = state.current + step;
    if (state.current < 0) return setCurrent(0);
    if (next >= nodes.length && state.page < pages.length - 1) { state.page++; render(); return setCurrent(0); }
    if (next < 0 && state.page > 0) { state.page--; render(); return setCurrent(adNodes().length - 1); }
    setCurrent(next);
  }

  // ------------------------------------------------------------------ decisions
  function record(ad, decision) {
    const previous = decisions[ad.id];
    decisions[ad.id] = { decision: decision, note: previous ? previous.note || "" : "",
                         decided_at: new Date().toISOString() };
  }
  function refreshAd(ad) {
    const node = document.querySelector('#queue [data-ad-id="' + CSS.escape(ad.id) + '"]');
    if (node) renderDecision(ad, node.querySelector(".decide"));
  }
  function decide(ad, decision) {
    record(ad, decision);
    save();
    refreshAd(ad);
    progress();
  }
  function decideGroup(group, decision) {
    for (const ad of group.ads) { record(ad, decision); refreshAd(ad); }
    save();
    progress();
  }
  function setNote(ad, note) {
    if (!decisions[ad.id]) decisions[ad.id] = { decision: "", note: "", decided_at: new Date().toISOString() };
    decisions[ad.id].note = note;
    save();
  }
  function reviewed() {
    return ads.filter((ad) => decisions[ad.id] && decisions[ad.id].decision).length;
  }
  function progress() {
    const done = reviewed();
    $("progress").textContent = done + " of " + ads.length + " reviewed";
    $("progress-fill").style.width = (ads.length ? 100 * done / ads.length : 0) + "%";
  }

  // ------------------------------------------------------------------ export
  function cell(value) {
    let text = value === undefined || value === null ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;  // never a spreadsheet formula
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function exportCsv() {
    const lines = ["id,text,decision,note,decided_at,score,model"];
    for (const ad of ads) {
      const d = decisions[ad.id];
      if (!d || !d.decision) continue;
      lines.push([ad.id, ad.text, d.decision, d.note || "", d.decided_at, ad.score, META.model].map(cell).join(","));
    }
    const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = "decisions-" + META.page_id + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // ------------------------------------------------------------------ wiring
  function keydown(event) {
    const target = event.target;
    const typing = target.matches && target.matches("input, textarea, select");
    if (typing) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const digit = { Digit1: 0, Digit2: 1, Digit3: 2, Numpad1: 0, Numpad2: 1, Numpad3: 2 }[event.code];
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (digit !== undefined) {
      if (state.current < 0) setCurrent(0);
      const node = adNodes()[state.current];
      if (!node) return;
      const ad = ads.find((a) => a.id === node.dataset.adId);
      if (event.shiftKey) decideGroup(groupOf.get(ad.id), DECISIONS[digit]);
      else { decide(ad, DECISIONS[digit]); move(1); }
      event.preventDefault();
    } else if (event.key === "n") {
      if (state.current < 0) setCurrent(0);
      const node = adNodes()[state.current];
      if (node) { node.querySelector(".note").focus(); event.preventDefault(); }
    }
  }

  function init() {
    const names = new Set();
    for (const ad of ads) for (const name of ad.indicators) names.add(name);
    for (const name of Array.from(names).sort()) {
      const option = el("option", "", name.replace(/_/g, " "));
      option.value = name;
      option.title = tip(name);
      $("indicator").appendChild(option);
    }
    $("meta").textContent = META.queued + " ads to review in " + META.groups + " groups, of " +
      META.rows_read + " read (" + META.flagged + " flagged) \u00b7 model " + META.model +
      " \u00b7 threshold " + fmt(META.threshold) + " \u00b7 " +
      (META.order === "uncertainty" ? "nearest the threshold first" : "highest score first") +
      " \u00b7 contacts " + (META.show_contacts ? "shown" : "masked") + " \u00b7 " + META.created;
    const refilter = () => { state.page = 0; paginate(); render(); };
    for (const id of ["search", "score-min", "score-max"]) $(id).addEventListener("input", refilter);
    for (const id of ["indicator", "status"]) $(id).addEventListener("change", refilter);
    $("prev-page").addEventListener("click", () => { state.page--; render(); window.scrollTo(0, 0); });
    $("next-page").addEventListener("click", () => { state.page++; render(); window.scrollTo(0, 0); });
    document.querySelector('[data-action="export"]').addEventListener("click", exportCsv);
    document.addEventListener("keydown", keydown);
    paginate();
    render();
    document.body.dataset.ready = "1";
    window.reviewReadyMs = performance.now();
  }
  init();
})();
