// Jobs and their progress; refreshed while any is still pending or running.
import { gql, problemOf } from "./api.js";
import { card, fill, h, table } from "./dom.js";
import { t, when } from "./i18n.js";

const JOBS = `
query ConsoleJobs {
  jobs(first: 50) {
    __typename
    ... on JobConnection {
      totalCount
      nodes { id kind status progress createdAt startedAt finishedAt resultId error { reason } }
    }
    ... on Problem { path reason }
  }
}`;

let timer = null;

export async function showJobs(onPlan) {
  clearTimeout(timer);
  let data;
  try {
    data = await gql(JOBS);
  } catch (error) {
    fill("jobs-list", h("p", { class: "message" }, t("error") + error.message));
    return;
  }
  const page = data.jobs;
  const problem = problemOf(page);
  if (problem) {
    fill("jobs-list", h("p", { class: "message" }, problem));
    return;
  }
  if (!page.nodes.length) {
    fill("jobs-list", card(t("jobs.title"), h("p", { class: "empty" }, t("jobs.none"))));
    return;
  }
  const rows = page.nodes.map((j) => ({
    id: j.id,
    cells: [
      j.id,
      t(`kind.${j.kind}`),
      h("span", { class: `badge ${j.status}` }, t(`job.${j.status}`)),
      h(
        "span",
        {},
        h("progress", { max: 1, value: j.status === "SUCCEEDED" ? 1 : j.progress ?? 0 }),
        ` ${Math.round((j.status === "SUCCEEDED" ? 1 : j.progress ?? 0) * 100)} %`,
      ),
      when(j.createdAt),
      when(j.finishedAt),
      j.kind === "LAYOUT" && j.resultId
        ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); onPlan(j.resultId); } }, t("open"))
        : j.error?.reason ?? j.resultId ?? "",
    ],
  }));
  fill(
    "jobs-list",
    card(
      `${t("jobs.title")} (${page.totalCount})`,
      table(
        [t("id"), t("jobs.kind"), t("status"), t("jobs.progress"), t("jobs.created"), t("jobs.finished"), t("jobs.result")],
        rows,
      ),
    ),
  );
  const busy = page.nodes.some((j) => j.status === "PENDING" || j.status === "RUNNING");
  if (busy && document.getElementById("jobs").classList.contains("active")) {
    timer = setTimeout(() => showJobs(onPlan), 3000);
  }
}
