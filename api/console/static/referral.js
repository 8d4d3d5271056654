// Referral rings: consumers who refer each other for the rewards, and the devices, phones and
// payout accounts they share.
import { gql, problemOf } from "./api.js";
import { drawGraph } from "./charts.js";
import { card, fill, h, select, table } from "./dom.js";
import { t, when } from "./i18n.js";

const RINGS = `
query ConsoleRings($first: Int!, $after: String, $campaign: String) {
  referralRings(first: $first, after: $after, campaign: $campaign, minScore: 0) {
    __typename
    ... on ReferralRingConnection {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id score campaign foundAt members { id } reasons { kind detail } evidence }
    }
    ... on Problem { path reason }
  }
}`;

let shown = [];
let asked = 0; // the latest request for a fresh list; answers to older ones are dropped

/** The rings, strongest first; `more` appends the next page to what is shown. */
export async function showRings(more = null) {
  const ask = more ? asked : ++asked;
  if (!more) {
    shown = [];
    fill("referral-detail");
    fill("referral-list", h("p", { class: "empty" }, t("loading")));
  }
  const campaign = document.getElementById("ring-campaign").value.trim() || null;
  let data;
  try {
    data = await gql(RINGS, { first: 50, after: more, campaign });
  } catch (error) {
    fill("referral-list", h("p", { class: "message" }, t("error") + error.message));
    return;
  }
  if (ask !== asked) return;
  const page = data.referralRings;
  const problem = problemOf(page);
  if (problem) {
    fill("referral-list", h("p", { class: "message" }, problem));
    return;
  }
  shown = shown.concat(page.nodes);
  if (!shown.length) {
    fill("referral-list", card(t("ring.title"), h("p", { class: "empty" }, t("ring.none"))));
    return;
  }
  const rows = shown.map((r) => ({
    id: r.id,
    data: r,
    cells: [
      r.id,
      r.score.toFixed(2),
      r.campaign ?? "",
      r.members.length,
      [...new Set(r.reasons.map((x) => t(`ring.${x.kind}`)))].join("、"),
    ],
  }));
  const headers = [t("ring.ring"), t("fraud.score"), t("ring.campaign"), t("ring.members"), t("fraud.reasons")];
  const next = page.pageInfo.hasNextPage
    ? h("button", { type: "button", id: "rings-more", onclick: () => showRings(page.pageInfo.endCursor) }, t("more"))
    : null;
  fill(
    "referral-list",
    card(
      `${t("ring.title")} (${page.totalCount})`,
      table(headers, rows, (r, row) => {
        select(row);
        showRing(r);
      }),
      next,
    ),
  );
}

function showRing(r) {
  const graphBox = h("div", { class: "chart", id: "ring-graph" });
  fill(
    "referral-detail",
    h(
      "div",
      { class: "cards", id: "ring-detail", "data-ring": r.id },
      card(
        `${t("ring.ring")} ${r.id} · ${t("fraud.score")} ${r.score.toFixed(2)}`,
        table([t("ring.members")], r.members.map((m) => ({ cells: [m.id] }))),
        h("p", {}, when(r.foundAt)),
      ),
      card(
        t("fraud.reasons"),
        h("ul", { id: "ring-reasons" }, r.reasons.map((x) => h("li", {}, h("strong", {}, t(`ring.${x.kind}`)), " ", x.detail))),
        h("ul", { id: "ring-evidence" }, r.evidence.map((e) => h("li", {}, e))),
      ),
      card(t("ring.graph"), graphBox),
    ),
  );
  const nodes = [
    { id: r.id, name: r.id, category: t("ring.ring") },
    ...r.members.map((m) => ({ id: m.id, name: m.id.split(":").pop(), category: t("consumer") })),
    ...r.evidence.map((e) => ({ id: `e:${e}`, name: e.split(":").pop(), category: t("ring.evidence") })),
  ];
  const links = [
    ...r.members.map((m) => ({ source: r.id, target: m.id, label: "" })),
    ...r.evidence.map((e) => ({ source: r.id, target: `e:${e}`, label: "" })),
  ];
  drawGraph(graphBox, nodes, links);
}
