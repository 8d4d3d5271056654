// Diversion cases: the list, and a case's path (from the plant to where its units were scanned) on a map.
import { gql, problemOf } from "./api.js";
import { drawMap, regionPoint } from "./charts.js";
import { card, facts, fill, h } from "./dom.js";
import { t, when } from "./i18n.js";
import { pagedList } from "./list.js";

const STEP = `kind at inChannel reason party { key name } region { key name }`;
const CASES = `
query ConsoleCases($first: Int!, $after: String, $distributor: String, $region: String) {
  diversionCases(first: $first, after: $after, distributor: $distributor, region: $region) {
    __typename
    ... on DiversionCaseConnection {
      totalCount pageInfo { hasNextPage endCursor }
      nodes {
        id severity score units scans consumers period firstSeen lastSeen rule reasons
        responsible { id name } destination { code name }
        path {
          __typename
          ... on DiversionPath { code steps { ${STEP} } leak { kind summary evidence } }
          ... on NotDiverted { code steps { ${STEP} } }
          ... on UnknownCode { message }
          ... on Problem { path reason }
        }
      }
    }
    ... on Problem { path reason }
  }
}`;
const SCANS = `
query ConsoleCaseScans($id: String!) {
  code(id: $id) {
    __typename
    ... on CodeTrace { scans(first: 100) { nodes { at region regionName lat lon } } }
  }
}`;

function filters() {
  const value = (id) => document.getElementById(id).value.trim() || null;
  return { distributor: value("case-distributor"), region: value("case-region") };
}

/** The case list; `more` appends the next page to what is shown. */
export const showCases = pagedList({
  list: "diversion-list",
  detail: "diversion-detail",
  title: "div.title",
  empty: "div.none",
  headers: ["div.severity", "div.responsible", "div.destination", "div.period", "units", "scans", "time"],
  moreId: "cases-more",
  fetch: async (after) => (await gql(CASES, { first: 50, after, ...filters() })).diversionCases,
  cells: (c) => [
    h("span", { class: `badge ${c.severity}` }, t(`sev.${c.severity}`)),
    c.responsible.name || c.responsible.id,
    c.destination.name || c.destination.code,
    c.period,
    c.units,
    c.scans,
    when(c.firstSeen),
  ],
  open: (c) => showCase(c),
});

async function showCase(c) {
  const path = c.path;
  const problem = path.steps ? null : problemOf(path) ?? path.message;
  const mapBox = h("div", { class: "chart", id: "case-map" });
  const steps = path.steps ?? [];
  fill(
    "diversion-detail",
    h(
      "div",
      { class: "cards", id: "case-detail", "data-case": c.id },
      card(
        `${t("div.case")} ${c.id}`,
        facts([
          [t("div.responsible"), c.responsible.name || c.responsible.id],
          [t("div.destination"), c.destination.name || c.destination.code],
          [t("div.severity"), `${t(`sev.${c.severity}`)} (${c.score.toFixed(2)})`],
          [t("units"), c.units],
          [t("consumer"), c.consumers],
          [t("div.leak"), path.leak ? `${t(`leak.${path.leak.kind}`)} · ${path.leak.summary}` : null],
          [t("unit"), path.code],
        ]),
        h("ul", {}, c.reasons.map((r) => h("li", {}, r))),
      ),
      card(
        t("div.path"),
        problem
          ? h("p", { class: "message" }, problem)
          : h(
              "ol",
              { class: "timeline", id: "case-path" },
              steps.map((s) =>
                h(
                  "li",
                  { class: s.inChannel ? "" : "out" },
                  h("time", {}, when(s.at)),
                  h("strong", {}, t(`step.${s.kind}`)),
                  " ",
                  s.party.name || s.party.key,
                  s.region ? ` · ${s.region.name || s.region.key}` : "",
                  " ",
                  h("span", { class: `badge ${s.inChannel ? "good" : "bad"}` },
                    t(s.inChannel ? "div.inChannel" : "div.outChannel")),
                ),
              ),
            ),
      ),
      card(t("map"), mapBox),
    ),
  );
  const points = [];
  const route = [];
  for (const s of steps) {
    const coord = s.region ? regionPoint(s.region.key, s.region.name) : null;
    if (!coord) continue;
    points.push({ name: `${t(`step.${s.kind}`)} ${s.party.name || s.party.key}`, coord, group: t("div.path") });
    const last = route[route.length - 1];
    if (!last || last[0] !== coord[0] || last[1] !== coord[1]) route.push(coord);
  }
  const destination = regionPoint(c.destination.code, c.destination.name);
  if (destination) {
    points.push({ name: c.destination.name || c.destination.code, coord: destination, group: t("div.destination"), size: 14 });
  }
  if (path.code) {
    try {
      const data = await gql(SCANS, { id: path.code });
      for (const scan of data.code.scans?.nodes ?? []) {
        const coord = scan.lat != null && scan.lon != null ? [scan.lon, scan.lat] : regionPoint(scan.region, scan.regionName);
        if (coord) points.push({ name: `${t("ev.scan")} ${when(scan.at)}`, coord, group: t("scans") });
      }
    } catch {
      // the path and the case stand without the unit's scans
    }
  }
  await drawMap(mapBox, points, route.slice(1).map((to, i) => ({ from: route[i], to })));
}
