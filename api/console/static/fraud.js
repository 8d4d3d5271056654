// Store fraud: flagged clusters, a cluster's stores and the phones, devices, addresses and
// accounts that tie them.
import { gql, problemOf } from "./api.js";
import { drawGraph } from "./charts.js";
import { card, fill, h, select, table } from "./dom.js";
import { t, when } from "./i18n.js";

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

let shown = [];
let asked = 0; // the latest request for a fresh list; answers to older ones are dropped

/** The flagged clusters; `more` appends the next page to what is shown. */
export async function showClusters(more = null) {
  const ask = more ? asked : ++asked;
  if (!more) {
    shown = [];
    fill("fraud-detail");
    fill("fraud-list", h("p", { class: "empty" }, t("loading")));
  }
  const region = document.getElementById("cluster-region").value.trim() || null;
  let data;
  try {
    data = await gql(CLUSTERS, { first: 50, after: more, region });
  } catch (error) {
    fill("fraud-list", h("p", { class: "message" }, t("error") + error.message));
    return;
  }
  if (ask !== asked) return;
  const page = data.storeFraudClusters;
  const problem = problemOf(page);
  if (problem) {
    fill("fraud-list", h("p", { class: "message" }, problem));
    return;
  }
  shown = shown.concat(page.nodes);
  if (!shown.length) {
    fill("fraud-list", card(t("fraud.title"), h("p", { class: "empty" }, t("fraud.none"))));
    return;
  }
  const rows = shown.map((c) => ({
    id: c.id,
    data: c,
    cells: [
      c.id,
      c.score.toFixed(2),
      c.stores.map((s) => s.name || s.id).join("、"),
      c.regions.join(" "),
      [...new Set(c.reasons.map((r) => t(`reason.${r.kind}`)))].join("、"),
    ],
  }));
  const headers = [t("fraud.cluster"), t("fraud.score"), t("fraud.stores"), t("fraud.regions"), t("fraud.reasons")];
  const next = page.pageInfo.hasNextPage
    ? h("button", { type: "button", id: "clusters-more", onclick: () => showClusters(page.pageInfo.endCursor) }, t("more"))
    : null;
  fill(
    "fraud-list",
    card(
      `${t("fraud.title")} (${page.totalCount})`,
      table(headers, rows, (c, row) => {
        select(row);
        showCluster(c);
      }),
      next,
    ),
  );
}

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
