// Channel layout plans: the sites a plan opens, keeps and closes, on a map.
import { gql, problemOf } from "./api.js";
import { drawMap, regionPoint } from "./charts.js";
import { card, facts, fill, h, select, table } from "./dom.js";
import { t, when } from "./i18n.js";

const PLAN = `
query ConsolePlan($id: ID!) {
  layoutPlan(id: $id) {
    __typename
    ... on LayoutPlan {
      id model kind method k cost lowerBound gap provenOptimal createdAt distance totalDemand radiusKm
      sites { id kind name lat lon stores demand opened current }
      assignments { storeId siteId distanceKm reassigned }
      comparison { currentCost costSaved storesReassigned }
    }
    ... on Problem { path reason }
  }
}`;
const PLANS = `
query ConsolePlans {
  jobs(kind: LAYOUT, first: 50) {
    __typename
    ... on JobConnection { nodes { id status createdAt finishedAt resultId } }
    ... on Problem { path reason }
  }
}`;

export async function showPlans() {
  fill("plan-list", h("p", { class: "empty" }, t("loading")));
  let data;
  try {
    data = await gql(PLANS);
  } catch (error) {
    fill("plan-list", h("p", { class: "message" }, t("error") + error.message));
    return;
  }
  const jobs = data.jobs.nodes ?? [];
  const done = jobs.filter((j) => j.resultId);
  if (!done.length) {
    fill("plan-list", card(t("layout.plans"), h("p", { class: "empty" }, t("layout.none"))));
    return;
  }
  const rows = done.map((j) => ({ id: j.resultId, data: j, cells: [j.resultId, when(j.finishedAt || j.createdAt)] }));
  fill(
    "plan-list",
    card(t("layout.plans"), table([t("id"), t("time")], rows, (j, row) => {
      select(row);
      showPlan(j.resultId);
    })),
  );
}

export async function showPlan(id) {
  const target = document.getElementById("plan-detail");
  fill(target, h("p", { class: "empty" }, t("loading")));
  let data;
  try {
    data = await gql(PLAN, { id: id.trim() });
  } catch (error) {
    fill(target, h("p", { class: "message" }, t("error") + error.message));
    return;
  }
  const plan = data.layoutPlan;
  const problem = problemOf(plan);
  if (problem) {
    fill(target, h("p", { class: "message" }, problem));
    return;
  }
  const shown = plan.sites.filter((s) => s.opened || s.current);
  const mapBox = h("div", { class: "chart", id: "plan-map" });
  const money = (x) => (x == null ? "" : x.toLocaleString(undefined, { maximumFractionDigits: 1 }));
  fill(
    target,
    h(
      "div",
      { class: "cards", id: "plan", "data-plan": plan.id },
      card(
        `${t("layout.plans")} ${plan.id}`,
        facts([
          [t("kind"), `${plan.model} · ${plan.kind}${plan.k ? ` · k=${plan.k}` : ""}`],
          [t("layout.method"), `${plan.method}${plan.provenOptimal ? " ✓" : ""}`],
          [t("layout.cost"), money(plan.cost)],
          [t("layout.gap"), plan.gap == null ? null : `${(plan.gap * 100).toFixed(2)} %`],
          [t("layout.saved"), money(plan.comparison.costSaved)],
          [t("layout.reassigned"), plan.comparison.storesReassigned.length],
          [t("time"), when(plan.createdAt)],
        ]),
      ),
      card(t("layout.map"), mapBox),
      card(
        t("layout.sites"),
        table(
          [t("layout.site"), t("layout.opened"), t("layout.currentSite"), t("fraud.stores"), t("layout.demand")],
          shown.map((s) => ({
            cells: [s.name || s.id, s.opened ? t("yes") : t("no"), s.current ? t("yes") : t("no"), s.stores, money(s.demand)],
          })),
        ),
      ),
    ),
  );
  const maxDemand = Math.max(1, ...shown.map((s) => s.demand));
  const points = [];
  for (const s of shown) {
    const coord = s.lat != null && s.lon != null ? [s.lon, s.lat] : regionPoint(s.id, s.name);
    if (!coord) continue;
    const group = s.opened ? t("layout.opened") : t("layout.currentSite");
    points.push({ name: `${s.name || s.id} · ${money(s.demand)}`, coord, group, size: 8 + 22 * Math.sqrt(s.demand / maxDemand) });
  }
  await drawMap(mapBox, points);
}
