// Store fraud: flagged clusters, a cluster's stores and the phones, devices, addresses and
// accounts that tie them.
import { gql, problemOf } from "./api.js";
import { drawGraph } from "./charts.js";
import { card, fill, h, table } from "./dom.js";
import { t, when } from "./i18n.js";
import { pagedList } from "./list.js";

const CLUSTERS = `
query ConsoleClusters($first: Int!, $after: String, $region: String) {
  storeFraudClusters(first: $first, after: $after, region: $region) {
    __typename
    ... on FraudClusterConnection {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id score flagged regions detectedAt stores { id name } reasons { kind detail } }
    }
    ... on Problem { path reason }
  }
}`;
const HIDDEN = new Set(["Order", "Scan"]);
const EVIDENCE = `
query ConsoleEvidence($id: String!) {
  storeFraudEvidence(id: $id) {
    __typename
    ... on FraudEvidence { clusterId nodes { id label key name } links { source target type } }
    ... on Problem { path reason }
  }
}`;

/** The flagged clusters; `more` appends the next page to what is shown. */
export const showClusters = pagedList({
  list: "fraud-list",
  detail: "fraud-detail",
  title: "fraud.title",
  empty: "fraud.none",
  headers: ["fraud.cluster", "fraud.score", "fraud.stores", "fraud.regions", "fraud.reasons"],
  moreId: "clusters-more",
  fetch: async (after) => {
    const region = document.getElementById("cluster-region").value.trim() || null;
    return (await gql(CLUSTERS, { first: 50, after, region })).storeFraudClusters;
  },
  cells: (c) => [
    c.id,
    c.score.toFixed(2),
    c.stores.map((s) => s.name || s.id).join("、"),
    c.regions.join(" "),
    [...new Set(c.reasons.map((r) => t(`reason.${r.kind}`)))].join("、"),
  ],
  open: (c) => showCluster(c),
});

async function showCluster(c) {
  const graphBox = h("div", { class: "chart", id: "evidence-graph" });
  fill(
    "fraud-detail",
    h(
      "div",
      { class: "cards", id: "cluster-detail", "data-cluster": c.id },
      card(
        `${t("fraud.cluster")} ${c.id} · ${t("fraud.score")} ${c.score.toFixed(2)}`,
        table([t("id"), t("name")], c.stores.map((s) => ({ cells: [s.id, s.name ?? ""] }))),
        h("p", {}, when(c.detectedAt)),
      ),
      card(
        t("fraud.reasons"),
        h("ul", { id: "cluster-reasons" }, c.reasons.map((r) => h("li", {}, h("strong", {}, t(`reason.${r.kind}`)), " ", r.detail))),
      ),
      card(t("fraud.evidence"), graphBox),
    ),
  );
  let data;
  try {
    data = await gql(EVIDENCE, { id: c.id });
  } catch (error) {
    fill(graphBox, h("p", { class: "message" }, t("error") + error.message));
    return;
  }
  const evidence = data.storeFraudEvidence;
  const problem = problemOf(evidence);
  if (problem) {
    fill(graphBox, h("p", { class: "message" }, problem));
    return;
  }
  // Orders and scans are the behaviour's evidence, listed in the reasons; the picture keeps
  // the stores and what they share, which is what ties them.
  const nodes = evidence.nodes.filter((n) => !HIDDEN.has(n.label));
  const kept = new Set(nodes.map((n) => n.id));
  drawGraph(
    graphBox,
    nodes.map((n) => ({ id: n.id, name: n.name || n.key, category: t(`label.${n.label}`) })),
    evidence.links
      .filter((l) => kept.has(l.source) && kept.has(l.target))
      .map((l) => ({ source: l.source, target: l.target, label: "" })),
  );
}
