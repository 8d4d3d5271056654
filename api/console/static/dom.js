// Small DOM helpers; text always goes in as text, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function card(title, ...children) {
  return h("div", { class: "card" }, h("h2", {}, title), ...children);
}

export function table(headers, rows, onRow) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      rows.map(({ cells, data, id }) =>
        h(
          "tr",
          {
            class: onRow ? "clickable" : null,
            "data-id": id,
            onclick: onRow ? (event) => onRow(data, event.currentTarget) : null,
          },
          cells.map((x) => h("td", {}, x)),
        ),
      ),
    ),
  );
}

export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [
      h("dt", {}, k),
      h("dd", {}, v),
    ]),
  );
}

export function fill(target, ...children) {
  const el = typeof target === "string" ? document.getElementById(target) : target;
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  return el;
}

export function select(row) {
  for (const other of row.parentElement.querySelectorAll("tr.selected")) {
    other.classList.remove("selected");
  }
  row.classList.add("selected");
}
