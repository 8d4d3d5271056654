// yima's web console: tabs, the language switch, and the forms; each view asks GraphQL itself.
import { showCases } from "./diversion.js";
import { showClusters } from "./fraud.js";
import { showRings } from "./referral.js";
import { setLang, lang, t, translatePage } from "./i18n.js";
import { showJobs } from "./jobs.js";
import { showPlan, showPlans } from "./layout.js";
import { lookUp, readQr } from "./lookup.js";

const views = {
  lookup: () => {
    const code = document.getElementById("code-input").value;
    if (code.trim()) lookUp(code);
  },
  diversion: () => showCases(),
  fraud: () => showClusters(),
  referral: () => showRings(),
  layout: () => {
    showPlans();
    const id = document.getElementById("plan-input").value;
    if (id.trim()) showPlan(id);
  },
  jobs: () => showJobs(openPlan),
};
let current = "lookup";

function show(tab) {
  current = tab;
  for (const el of document.querySelectorAll("#tabs button")) {
    el.classList.toggle("active", el.dataset.tab === tab);
  }
  for (const el of document.querySelectorAll("main > .tab")) el.classList.toggle("active", el.id === tab);
  views[tab]();
}

function openPlan(id) {
  document.getElementById("plan-input").value = id;
  show("layout");
}

function start() {
  const key = document.getElementById("api-key");
  key.value = sessionStorage.getItem("yima.key") ?? "";
  key.addEventListener("change", () => sessionStorage.setItem("yima.key", key.value.trim()));
  for (const el of document.querySelectorAll("#tabs button")) {
    el.addEventListener("click", () => show(el.dataset.tab));
  }
  document.getElementById("lang").addEventListener("click", () => {
    setLang(lang() === "zh" ? "en" : "zh");
    views[current]();
  });
  document.getElementById("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp(document.getElementById("code-input").value);
  });
  document.getElementById("qr-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    const message = document.getElementById("lookup-message");
    const text = await readQr(file).catch(() => null);
    event.target.value = "";
    if (!text) {
      message.textContent = t("lookup.noqr");
      return;
    }
    document.getElementById("code-input").value = text;
    await lookUp(text);
  });
  document.getElementById("plan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showPlan(document.getElementById("plan-input").value);
  });
  for (const [form, view] of [
    ["cases-form", showCases],
    ["clusters-form", showClusters],
    ["rings-form", showRings],
  ]) {
    document.getElementById(form).addEventListener("submit", (event) => {
      event.preventDefault();
      view();
    });
  }
  document.getElementById("jobs-refresh").addEventListener("click", () => showJobs(openPlan));
  translatePage();
  const code = new URLSearchParams(location.search).get("code");
  if (code) {
    document.getElementById("code-input").value = code;
    lookUp(code);
  }
  document.body.dataset.ready = "true";
}

start();
