{#- A template: the site's base path and its words are written in when the site is built,
    so that the pages need not carry them. -#}
// digest's search box: Pagefind's engine over the site's index shards (search/shards.json),
// results with title, date, topic and an excerpt, a topic filter, and keys:
// Enter or Down goes to the results, Up and Down move through them, Escape closes them.
// The box is made here, in the page's header, with its stylesheet: without this script
// it could not work, so the pages do not carry it.

const INDEX = {{ (config.base_path ~ "search/") | tojson }};
const words = {{ {"search": _("Search"), "label": _("Search articles"), "topic": _("Topic"),
                  "results": _("Search results"), "found": _("Articles found: {count}"),
                  "none": _("No article matches."), "failed": _("Search is not available."),
                  "all": _("All topics"), "more": _("More results")} | tojson }};

// The box, at the end of the page's header, shown once its stylesheet is in.
function box() {
  const header = document.querySelector("header.top");
  if (!header) return null;
  const made = document.createElement("form");
  made.className = "find";
  made.setAttribute("role", "search");
  made.hidden = true; // until its stylesheet is in
  made.innerHTML = '<label for="find-q" class="visually-hidden"></label>'
    + '<input id="find-q" type="search" name="q" autocomplete="off" spellcheck="false" '
    + 'aria-controls="find-panel"><button type="submit"></button>'
    + '<div class="find-panel" id="find-panel" hidden><p class="find-status" role="status"></p>'
    + '<label class="find-topic"> <select name="topic"></select></label>'
    + '<ol class="find-results"></ol></div>';
  made.querySelector("label").textContent = words.label;
  made.querySelector("input").placeholder = words.search;
  made.querySelector("button").textContent = words.search;
  made.querySelector(".find-topic").prepend(words.topic);
  made.querySelector(".find-results").setAttribute("aria-label", words.results);
  const sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = INDEX + "search.css";
  const show = () => { made.hidden = false; };
  sheet.addEventListener("load", show);
  sheet.addEventListener("error", show);
  document.head.append(sheet);
  header.append(made);
  return made;
}

// A layout of the site's own may hold a box of this markup where it wants it (and link
// search.css itself): that box is used instead.
const own = document.querySelector("form.find");
const form = own || box();
if (form) {
  const input = form.querySelector("input[type=search]");
  const panel = form.querySelector(".find-panel");
  const status = form.querySelector(".find-status");
  const topic = form.querySelector("select[name=topic]");
  const list = form.querySelector(".find-results");
  const PAGE = 10;
  let engine = null;
  let found = [];
  let shown = 0;
  let asked = 0;
  let timer = 0;

  if (own) own.hidden = false;

  function load() {
    if (!engine) {
      engine = (async () => {
        const pagefind = await import(INDEX + "pagefind.js");
        await pagefind.options({ excerptLength: 24 });
        const response = await fetch(INDEX + "shards.json");
        const { shards } = await response.json();
        await Promise.all(shards.map((shard) => pagefind.mergeIndex(INDEX + shard)));
        await pagefind.filters(); // loads the topics, so that every search counts them
        return pagefind;
      })();
      engine.catch(() => {
        engine = null;
      });
    }
    return engine;
  }

  function open(state) {
    panel.hidden = !state;
  }

  // Pagefind marks the words it found with <mark> and escapes < and > in the text: the
  // excerpt is rebuilt from text nodes, so nothing in an article can become markup here.
  function excerpt(html) {
    const paragraph = document.createElement("p");
    paragraph.className = "find-excerpt";
    let marked = false;
    for (const piece of html.split(/(<\/?mark>)/)) {
      if (piece === "<mark>") marked = true;
      else if (piece === "</mark>") marked = false;
      else if (piece) {
        const text = document.createTextNode(piece.replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
        if (marked) {
          const mark = document.createElement("mark");
          mark.append(text);
          paragraph.append(mark);
        } else paragraph.append(text);
      }
    }
    return paragraph;
  }

  function day(iso) {
    const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
    const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { dateStyle: "long", timeZone: "UTC" });
    return format.format(new Date(Date.UTC(y, m - 1, d)));
  }

  function item(data) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    const meta = document.createElement("p");
    meta.className = "find-meta";
    if (data.meta.date) {
      const time = document.createElement("time");
      time.dateTime = data.meta.date;
      time.textContent = day(data.meta.date);
      meta.append(time);
    }
    if (data.meta.topic) meta.append(` · ${data.meta.topic}`);
    li.append(link, meta, excerpt(data.excerpt || ""));
    return li;
  }

  async function more() {
    const next = found.slice(shown, shown + PAGE);
    const ask = asked;
    const items = await Promise.all(next.map((result) => result.data()));
    if (ask !== asked) return;
    list.querySelector(".find-more")?.remove();
    const first = list.children.length;
    list.append(...items.map(item));
    shown += next.length;
    if (shown < found.length) {
      const li = document.createElement("li");
      li.className = "find-more";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = words.more;
      button.addEventListener("click", async () => {
        await more();
        list.children[first + PAGE]?.querySelector("a")?.focus();
      });
      li.append(button);
      list.append(li);
    }
  }

  function topics(counts, chosen) {
    const names = Object.keys(counts || {}).sort((a, b) => a.localeCompare(b));
    topic.replaceChildren(new Option(words.all, ""));
    for (const name of names) {
      const option = new Option(`${name} (${counts[name]})`, name);
      option.selected = name === chosen;
      topic.append(option);
    }
    if (chosen && !names.includes(chosen)) {
      topic.append(new Option(`${chosen} (0)`, chosen, true, true));
    }
  }

  async function search() {
    const term = input.value.trim();
    const ask = ++asked;
    if (!term) {
      open(false);
      return;
    }
    let pagefind;
    try {
      pagefind = await load();
    } catch {
      status.textContent = words.failed;
      open(true);
      return;
    }
    const chosen = topic.value;
    const filters = chosen ? { topic: chosen } : {};
    const response = await pagefind.search(term, { filters });
    if (ask !== asked || !response) return;
    found = response.results;
    shown = 0;
    list.replaceChildren();
    topics(response.totalFilters?.topic ?? response.filters?.topic, chosen);
    await more();
    if (ask !== asked) return;
    status.textContent = found.length
      ? words.found.replace("{count}", found.length)
      : words.none;
    open(true);
  }

  function links() {
    return [...list.querySelectorAll("a, button")];
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("focus", () => {
    load().catch(() => {});
  });
  topic.addEventListener("change", search);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    await search();
    links()[0]?.focus();
  });
  form.addEventListener("keydown", (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      open(false);
      input.focus();
    } else if (event.key === "ArrowDown" && (document.activeElement === input || at >= 0)) {
      event.preventDefault();
      open(true);
      all[Math.min(at + 1, all.length - 1)]?.focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? input : all[at - 1]).focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) open(false);
  });
}
