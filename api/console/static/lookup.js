// Look up a code: provenance as a timeline and a custody graph, the lot's recall list, a map.
/* global jsQR */
import { gql, problemOf } from "./api.js";
import { drawGraph, drawMap, regionPoint } from "./charts.js";
import { card, facts, fill, h, table } from "./dom.js";
import { t, when } from "./i18n.js";

const CODE = `
query ConsoleCode($id: String!) {
  code(id: $id) {
    __typename
    ... on CodeTrace {
      code gtin serial productName lot batch status statusAt commissionedAt lineName
      plant { id name kind }
      custody(first: 50) {
        nodes {
          party { id name kind } receivedAt shippedAt inTransit
          outbound { id destination { id name kind } shippedAt receivedAt }
        }
      }
      scans(first: 100) { totalCount nodes { id kind at actor region regionName lat lon } }
    }
    ... on UnknownCode { code message }
    ... on Problem { path reason }
  }
}`;
const VERIFY = `
query ConsoleVerify($id: String!) {
  verify(code: $id) {
    __typename
    ... on Verification { verdict { level summary } }
    ... on Problem { path reason }
  }
}`;
const STEPS = `kind at inChannel party { key name } region { key name }`;
const PATH = `
query ConsolePath($id: String!) {
  diversionPath(code: $id) {
    __typename
    ... on DiversionPath { steps { ${STEPS} } leak { kind summary } }
    ... on NotDiverted { steps { ${STEPS} } }
    ... on UnknownCode { message }
    ... on Problem { path reason }
  }
}`;
const LOT = `
query ConsoleLot($id: String!) {
  lot(id: $id) {
    __typename
    ... on LotTrace {
      batch unitCount productName
      statusCounts { status units }
      holders(first: 50) {
        nodes {
          party { id name kind } received shipped inStock sold withdrawn unaccounted scanned
        }
      }
    }
    ... on UnknownLot { message }
    ... on Problem { path reason }
  }
}`;

/** An optional part of the answer: its failure shows in its card, not over the whole page. */
async function optional(query, variables) {
  try {
    return await gql(query, variables);
  } catch (error) {
    return { failed: error.message };
  }
}

function partyName(party) {
  return party ? party.name || party.id : "";
}

export async function lookUp(text) {
  const message = document.getElementById("lookup-message");
  const id = text.trim();
  if (!id) {
    message.textContent = t("lookup.empty");
    return;
  }
  message.textContent = t("loading");
  fill("lookup-result");
  let data;
  try {
    data = await gql(CODE, { id });
  } catch (error) {
    message.textContent = t("error") + error.message;
    return;
  }
  const trace = data.code;
  const problem = problemOf(trace);
  if (problem) {
    message.textContent = `${t("lookup.unknown")}: ${problem}`;
    return;
  }
  message.textContent = "";
  const [verify, path, lot] = await Promise.all([
    optional(VERIFY, { id: trace.code }),
    optional(PATH, { id: trace.code }),
    trace.batch ? optional(LOT, { id: trace.batch }) : Promise.resolve(null),
  ]);
  render(trace, verify?.verify, path?.diversionPath, lot?.lot);
}

function render(trace, verify, path, lot) {
  const verdict = verify?.__typename === "Verification" ? verify.verdict : null;
  const summary = card(
    t("unit"),
    facts([
      [t("unit"), trace.code],
      [t("product"), trace.productName],
      [t("gtin"), trace.gtin],
      [t("lot"), trace.lot],
      [t("serial"), trace.serial],
      [t("status"), t(`status.${trace.status}`)],
      [t("plant"), partyName(trace.plant)],
      [t("commissioned"), when(trace.commissionedAt)],
      [t("verdict"), verdict ? `${t(`verdict.${verdict.level}`)} · ${verdict.summary}` : null],
    ]),
  );
  const timelineCard = card(t("timeline"), timeline(trace));
  const graphBox = h("div", { class: "chart", id: "custody-graph" });
  const mapBox = h("div", { class: "chart", id: "lookup-map" });
  fill(
    "lookup-result",
    h(
      "div",
      { class: "cards" },
      summary,
      timelineCard,
      card(t("custody"), graphBox),
      card(t("map"), mapBox),
      card(t("recall"), recallList(lot)),
    ),
  );
  drawGraph(graphBox, ...custodyGraph(trace), { fixed: true });
  const steps = path && path.steps ? path.steps : [];
  drawMap(mapBox, ...mapOf(trace, steps));
}

function timeline(trace) {
  const items = [
    { at: trace.commissionedAt, what: t("ev.commissioned"), who: partyName(trace.plant) },
  ];
  for (const step of trace.custody.nodes) {
    const made = step.party.id === trace.plant?.id && step.receivedAt === trace.commissionedAt;
    if (step.receivedAt && !made) items.push({ at: step.receivedAt, what: t("ev.received"), who: partyName(step.party) });
    if (step.shippedAt) {
      const to = step.outbound?.destination;
      items.push({
        at: step.shippedAt,
        what: t("ev.shipped"),
        who: `${partyName(step.party)}${to ? ` → ${partyName(to)}` : ""}`,
      });
    }
  }
  for (const scan of trace.scans.nodes) {
    items.push({
      at: scan.at,
      what: `${t("ev.scan")} · ${t(`party.${scan.kind}`)}`,
      who: [scan.regionName || scan.region, scan.actor].filter(Boolean).join(" · "),
    });
  }
  items.sort((a, b) => new Date(a.at) - new Date(b.at));
  return h(
    "ol",
    { class: "timeline", id: "timeline" },
    items.map((item) =>
      h("li", {}, h("time", {}, when(item.at)), h("strong", {}, item.what), " ", item.who),
    ),
  );
}

function custodyGraph(trace) {
  const nodes = [];
  const links = [];
  const seen = new Set();
  const add = (id, name, category) => {
    if (seen.has(id)) return;
    seen.add(id);
    nodes.push({ id, name, category, x: nodes.length * 120, y: (nodes.length % 2) * 40 });
  };
  let previous = null;
  if (trace.plant) {
    add(trace.plant.id, partyName(trace.plant), t("party.PLANT"));
    previous = trace.plant.id;
  }
  for (const step of trace.custody.nodes) {
    add(step.party.id, partyName(step.party), t(`party.${step.party.kind}`));
    if (previous && previous !== step.party.id) {
      links.push({ source: previous, target: step.party.id, label: when(step.receivedAt).split(" ")[0] });
    }
    previous = step.party.id;
  }
  for (const scan of trace.scans.nodes.slice(0, 12)) {
    const id = `scan:${scan.id}`;
    add(id, scan.regionName || scan.region || when(scan.at), t("scans"));
    if (previous) links.push({ source: previous, target: id, label: t("ev.scan") });
  }
  return [nodes, links];
}

function mapOf(trace, steps) {
  const points = [];
  for (const scan of trace.scans.nodes) {
    const coord =
      scan.lat != null && scan.lon != null ? [scan.lon, scan.lat] : regionPoint(scan.region, scan.regionName);
    if (coord) points.push({ name: `${t("ev.scan")} ${scan.regionName || ""} ${when(scan.at)}`, coord, group: t("scans") });
  }
  const route = [];
  for (const step of steps) {
    const coord = step.region ? regionPoint(step.region.key, step.region.name) : null;
    if (!coord) continue;
    const last = route[route.length - 1];
    if (!last || last[0] !== coord[0] || last[1] !== coord[1]) route.push(coord);
    points.push({ name: `${t(`step.${step.kind}`)} ${step.party.name || step.party.key}`, coord, group: t("custody") });
  }
  const lines = route.slice(1).map((to, i) => ({ from: route[i], to }));
  return [points, lines];
}

function recallList(lot) {
  if (!lot) return h("p", { class: "empty" }, "—");
  if (lot.failed || lot.__typename !== "LotTrace") {
    return h("p", { class: "message" }, lot.failed ?? problemOf(lot));
  }
  const statuses = lot.statusCounts.map((s) => `${t(`status.${s.status}`)} ${s.units}`).join(" · ");
  return h(
    "div",
    { id: "recall-list" },
    facts([
      [t("lot"), lot.batch],
      [t("units"), lot.unitCount],
      [t("status"), statuses],
    ]),
    table(
      [t("holder"), t("received"), t("shipped"), t("inStock"), t("sold"), t("withdrawn"), t("unaccounted"), t("scanned")],
      lot.holders.nodes.map((x) => ({
        cells: [partyName(x.party), x.received, x.shipped, x.inStock, x.sold, x.withdrawn, x.unaccounted, x.scanned],
      })),
    ),
  );
}

/** The text of the first QR code in an image file, decoded in the browser (jsQR). */
export async function readQr(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}
