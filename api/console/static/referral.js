// Referral rings: consumers who refer each other for the rewards, and the devices, phones and
// payout accounts they share.
import { gql } from "./api.js";
import { drawGraph } from "./charts.js";
import { card, fill, h, table } from "./dom.js";
import { t, when } from "./i18n.js";
import { pagedList } from "./list.js";

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

/** The rings, strongest first; `more` appends the next page to what is shown. */
export const showRings = pagedList({
  list: "referral-list",
  detail: "referral-detail",
  title: "ring.title",
  empty: "ring.none",
  headers: ["ring.ring", "fraud.score", "ring.campaign", "ring.members", "fraud.reasons"],
  moreId: "rings-more",
  fetch: async (after) => {
    const campaign = document.getElementById("ring-campaign").value.trim() || null;
    return (await gql(RINGS, { first: 50, after, campaign })).referralRings;
  },
  cells: (r) => [
    r.id,
    r.score.toFixed(2),
    r.campaign ?? "",
    r.members.length,
    [...new Set(r.reasons.map((x) => t(`ring.${x.kind}`)))].join("、"),
  ],
  open: (r) => showRing(r),
});

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
