// digest's search box: Pagefind's engine over the site's index shards (search/shards.json),
// results with title, date, topic and an excerpt, a topic filter, and keys:
// Enter or Down goes to the results, Up and Down move through them, Escape closes them.

const form = document.querySelector("form.find");
if (form) {
  const words = form.dataset;
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

  form.hidden = false;

  function load() {
    if (!engine) {
      engine = (async () => {
        const pagefind = await import(words.index + "pagefind.js");
        await pagefind.options({ excerptLength: 24 });
        const response = await fetch(words.index + "shards.json");
        const { shards } = await response.json();
        await Promise.all(shards.map((shard) => pagefind.mergeIndex(words.index + shard)));
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
