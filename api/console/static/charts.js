// Maps and graphs with ECharts; China's boundaries come from the echarts package installed at
// setup (/vendor/…/china.json), so no tile server and no internet are needed.
/* global echarts */
import { t } from "./i18n.js";

const charts = new Set();
let centres = null; // province adcode -> [lon, lat]; province name -> [lon, lat]

window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

export async function loadChina() {
  if (centres) return centres;
  const response = await fetch("/vendor/echarts-4-maps/map/json/china.json");
  const geo = await response.json();
  echarts.registerMap("china", geo);
  centres = new Map();
  for (const feature of geo.features) {
    const { id, name, cp } = feature.properties;
    if (!cp) continue;
    centres.set(String(id ?? feature.id), cp);
    centres.set(name, cp);
  }
  return centres;
}

/** Where a region sits: an administrative code (its province's centre) or a province name. */
export function regionPoint(code, name) {
  if (!centres) return null;
  if (code && /^\d{6}$/.test(code)) {
    const point = centres.get(`${code.slice(0, 2)}0000`);
    if (point) return point;
  }
  for (const label of [name, code]) {
    if (!label) continue;
    const short = label.replace(/(省|市|自治区|特别行政区|壮族|回族|维吾尔)+$/u, "");
    for (const key of [label, short]) if (centres.has(key)) return centres.get(key);
  }
  return null;
}

function chart(el) {
  const old = echarts.getInstanceByDom(el);
  if (old) {
    charts.delete(old);
    old.dispose();
  }
  const instance = echarts.init(el, null, { renderer: "canvas" });
  charts.add(instance);
  return instance;
}

/**
 * A map of China with `points` ({name, coord: [lon, lat], group, size}) and `lines`
 * ({from, to} coordinates). The element records how many points it shows (data-points).
 */
export async function drawMap(el, points, lines = []) {
  await loadChina();
  const groups = [...new Set(points.map((p) => p.group))];
  const palette = ["#c0392b", "#12355b", "#e67e22", "#27ae60", "#8e44ad", "#7f8c8d"];
  el.dataset.points = String(points.length);
  // Frame the points: a plan in one province is drawn at province scale, not as a dot on China.
  let view = { zoom: 1.1 };
  if (points.length) {
    const lons = points.map((p) => p.coord[0]);
    const lats = points.map((p) => p.coord[1]);
    const span = Math.max(Math.max(...lons) - Math.min(...lons), Math.max(...lats) - Math.min(...lats));
    view = {
      center: [(Math.max(...lons) + Math.min(...lons)) / 2, (Math.max(...lats) + Math.min(...lats)) / 2],
      zoom: Math.min(10, Math.max(1.1, 25 / Math.max(span, 1))),
    };
  }
  el.dataset.lines = String(lines.length);
  chart(el).setOption({
    tooltip: { trigger: "item", formatter: (p) => p.data?.label ?? p.name },
    legend: groups.length > 1 ? { data: groups, bottom: 0 } : undefined,
    geo: {
      map: "china",
      roam: true,
      ...view,
      label: { show: false },
      itemStyle: { areaColor: "#eef2f7", borderColor: "#9fb3c8" },
      emphasis: { label: { show: true }, itemStyle: { areaColor: "#d9e2ec" } },
    },
    series: [
      ...groups.map((group, i) => ({
        name: group,
        type: "scatter",
        coordinateSystem: "geo",
        itemStyle: { color: palette[i % palette.length] },
        symbolSize: (value, params) => params.data.size ?? 9,
        // names on the map while they stay readable; the tooltip has them always
        label: {
          show: points.length <= 20,
          position: "right",
          fontSize: 11,
          formatter: (p) => p.data.label ?? p.name,
        },
        labelLayout: { hideOverlap: true },
        data: points
          .filter((p) => p.group === group)
          .map((p) => ({ name: p.name, value: p.coord, label: p.name, size: p.size })),
      })),
      {
        type: "lines",
        coordinateSystem: "geo",
        symbol: ["none", "arrow"],
        lineStyle: { color: "#12355b", width: 1.5, opacity: 0.7, curveness: 0.2 },
        data: lines.map((l) => ({ coords: [l.from, l.to] })),
      },
    ],
  });
}

/** A node-link picture: nodes {id, name, category, x?, y?}, links {source, target, label}. */
export function drawGraph(el, nodes, links, { fixed = false } = {}) {
  const categories = [...new Set(nodes.map((n) => n.category))];
  el.dataset.nodes = String(nodes.length);
  chart(el).setOption({
    tooltip: {},
    legend: { data: categories, bottom: 0 },
    series: [
      {
        type: "graph",
        layout: fixed ? "none" : "force",
        roam: true,
        draggable: true,
        force: { repulsion: 400, edgeLength: [80, 160] },
        categories: categories.map((name) => ({ name })),
        label: { show: true, position: "bottom", fontSize: 11 },
        edgeSymbol: ["none", "arrow"],
        edgeLabel: { show: true, fontSize: 10, formatter: (p) => p.data.label ?? "" },
        symbolSize: 22,
        data: nodes.map((n) => ({
          id: n.id,
          name: n.name,
          category: categories.indexOf(n.category),
          x: n.x,
          y: n.y,
          value: n.id,
        })),
        links: links.map((l) => ({ source: l.source, target: l.target, label: l.label })),
      },
    ],
  });
}

