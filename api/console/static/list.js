// A list of the API's connections, paged with a "more" button; answers to a request that a
// newer one superseded (a filter submitted while the tab was loading) are dropped.
import { problemOf } from "./api.js";
import { card, fill, h, select, table } from "./dom.js";
import { t } from "./i18n.js";

/**
 * The function that shows the list: `fetch(after)` answers a connection (or a Problem),
 * `cells(node)` a row; `title`, `empty` and `headers` are word keys read at each showing.
 */
export function pagedList({ list, detail, title, empty, headers, fetch, cells, open, moreId }) {
  let shown = [];
  let asked = 0;
  async function show(more = null) {
    const ask = more ? asked : ++asked;
    if (!more) {
      shown = [];
      fill(detail);
      fill(list, h("p", { class: "empty" }, t("loading")));
    }
    let page;
    try {
      page = await fetch(more);
    } catch (error) {
      fill(list, h("p", { class: "message" }, t("error") + error.message));
      return;
    }
    if (ask !== asked) return;
    const problem = problemOf(page);
    if (problem) {
      fill(list, h("p", { class: "message" }, problem));
      return;
    }
    shown = shown.concat(page.nodes);
    if (!shown.length) {
      fill(list, card(t(title), h("p", { class: "empty" }, t(empty))));
      return;
    }
    const rows = shown.map((node) => ({ id: node.id, data: node, cells: cells(node) }));
    const next = page.pageInfo.hasNextPage
      ? h("button", { type: "button", id: moreId, onclick: () => show(page.pageInfo.endCursor) }, t("more"))
      : null;
    fill(
      list,
      card(
        `${t(title)} (${page.totalCount})`,
        table(headers.map(t), rows, (node, row) => {
          select(row);
          open(node);
        }),
        next,
      ),
    );
  }
  return show;
}
