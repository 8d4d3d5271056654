// Chinese by default (the brand's channel and brand-protection staff read Chinese), English on request.
const WORDS = {
  zh: {
    title: "一物一码追溯控制台",
    "tab.lookup": "查码", "tab.diversion": "窜货案件", "tab.fraud": "门店欺诈",
    "tab.layout": "渠道布局", "tab.jobs": "任务", "tab.referral": "推荐团伙",
    "ring.title": "推荐作弊团伙", "ring.ring": "团伙", "ring.campaign": "活动", "ring.members": "成员",
    "ring.none": "暂无推荐团伙", "ring.graph": "成员与共用的设备、电话、账户", "ring.evidence": "共用标识",
    "ring.campaignFilter": "活动编号", "ring.shared_identity": "共用身份标识",
    "ring.account_burst": "集中注册", "ring.one_shot": "只扫一次", "ring.one_place": "同一地点",
    key: "API 密钥（可选）", switch: "English",
    "lookup.placeholder": "输入或粘贴码：数字链接、EPC URN、(01)…(21)…",
    "lookup.go": "查询", "lookup.photo": "上传二维码照片",
    "lookup.noqr": "照片中没有找到二维码", "lookup.read": "已从照片读取：",
    "lookup.unknown": "未知的码", "lookup.empty": "请输入一个码",
    unit: "单品", product: "产品", gtin: "GTIN", lot: "批号", serial: "序列号",
    status: "状态", plant: "生产工厂", commissioned: "赋码时间", verdict: "验证结论",
    timeline: "追溯时间线", custody: "流转图", recall: "批次召回清单", map: "流向与扫码地图",
    scans: "扫码", events: "事件",
    "ev.commissioned": "赋码", "ev.received": "收货", "ev.shipped": "发货",
    "ev.scan": "扫码", "ev.transit": "在途",
    holder: "持有方", received: "收到", shipped: "发出", inStock: "库存", sold: "已售",
    withdrawn: "已召回", unaccounted: "去向不明", scanned: "已扫码", units: "数量",
    consumer: "消费者",
    "div.title": "窜货案件", "div.case": "案件", "div.responsible": "责任方",
    "div.destination": "流入地区", "div.severity": "严重程度", "div.period": "期间",
    "div.path": "窜货路径", "div.leak": "流失点", "div.none": "暂无窜货案件",
    "div.inChannel": "渠道内", "div.outChannel": "渠道外",
    "fraud.title": "门店欺诈团伙", "fraud.cluster": "团伙", "fraud.score": "风险分",
    "fraud.stores": "门店", "fraud.regions": "地区", "fraud.reasons": "关联依据",
    "fraud.evidence": "关联图：共用的电话、设备、地址、账户", "fraud.none": "暂无欺诈团伙",
    "layout.placeholder": "布局方案编号", "layout.open": "打开方案", "layout.plans": "布局方案",
    "layout.sites": "站点", "layout.site": "站点", "layout.opened": "开设",
    "layout.currentSite": "现有", "layout.demand": "需求", "layout.cost": "成本",
    "layout.method": "方法", "layout.gap": "差距", "layout.saved": "节省成本",
    "layout.reassigned": "调整门店", "layout.none": "暂无布局方案", "layout.map": "站点地图",
    "jobs.refresh": "刷新", "jobs.title": "任务", "jobs.kind": "类型", "jobs.progress": "进度",
    "jobs.created": "提交时间", "jobs.finished": "完成时间", "jobs.none": "暂无任务",
    "jobs.result": "结果",
    id: "编号", name: "名称", time: "时间", region: "地区", kind: "类型", yes: "是", no: "否",
    error: "出错了：", loading: "加载中…", open: "打开", more: "更多", filter: "筛选",
    "div.distributorFilter": "经销商编号", "div.regionFilter": "地区编码",
    "status.ACTIVE": "在用", "status.SOLD": "已售", "status.CONSUMED": "已消费",
    "status.DECOMMISSIONED": "已停用", "status.RECALLED": "已召回", "status.DESTROYED": "已销毁",
    "status.STOLEN": "被盗", "status.EXPIRED": "已过期", "status.DAMAGED": "已损坏",
    "status.NON_SELLABLE": "不可销售", "status.INACTIVE": "未激活", "status.UNKNOWN": "未知",
    "leak.OFF_CONTRACT_SHIPMENT": "合同外发货", "leak.UNRECORDED_TRANSFER": "未记录的转移",
    "verdict.GENUINE": "正品", "verdict.CAUTION": "需注意", "verdict.SUSPECT": "可疑",
    "verdict.COUNTERFEIT": "假冒", "verdict.WITHDRAWN": "已撤回",
    "reason.shared_phone": "共用电话", "reason.shared_device": "共用设备",
    "reason.shared_owner": "同一店主", "reason.shared_address": "共用地址",
    "reason.colocated": "位置相同", "reason.registration_burst": "集中注册",
    "reason.over_redemption": "超量兑奖", "reason.dead_orders": "订货无人扫码",
    "reason.threshold_orders": "卡门槛订货", "reason.payout_timing": "兑付时间异常",
    "reason.device_many_stores": "一机多店", "reason.staff_unreceived": "店员扫未收货的码",
    "reason.anomaly_model": "异常模型",
    "label.FraudCluster": "团伙", "label.Store": "门店", "label.Phone": "电话",
    "label.Device": "设备", "label.Address": "地址", "label.Person": "人员",
    "label.Order": "订单", "label.Scan": "扫码", "label.PayoutAccount": "收款账户",
    "sev.LOW": "低", "sev.MEDIUM": "中", "sev.HIGH": "高",
    "job.PENDING": "排队中", "job.RUNNING": "运行中", "job.SUCCEEDED": "已完成", "job.FAILED": "失败",
    "kind.CAPTURE": "事件采集", "kind.LAYOUT": "渠道布局", "kind.DIVERSION": "窜货检测",
    "kind.REFERRAL_RINGS": "推荐团伙检测", "kind.STORE_FRAUD": "门店欺诈检测",
    "party.PLANT": "工厂", "party.DISTRIBUTOR": "经销商", "party.STORE": "门店",
    "party.CONSUMER": "消费者", "party.PARTY": "参与方",
    "step.MADE": "生产", "step.TRANSFER": "转移", "step.SCAN": "扫码",
  },
  en: {
    title: "Traceability console",
    "tab.lookup": "Look up", "tab.diversion": "Diversion", "tab.fraud": "Store fraud",
    "tab.layout": "Channel layout", "tab.jobs": "Jobs", "tab.referral": "Referral rings",
    "ring.title": "Referral rings", "ring.ring": "Ring", "ring.campaign": "Campaign", "ring.members": "Members",
    "ring.none": "No referral rings", "ring.graph": "Members and the devices, phones, accounts they share",
    "ring.evidence": "shared identity", "ring.campaignFilter": "Campaign id",
    "ring.shared_identity": "shared identity", "ring.account_burst": "accounts made together",
    "ring.one_shot": "one scan and gone", "ring.one_place": "one place",
    key: "API key (optional)", switch: "中文",
    "lookup.placeholder": "Type or paste a code: Digital Link, EPC URN, (01)…(21)…",
    "lookup.go": "Look up", "lookup.photo": "Upload a QR code photo",
    "lookup.noqr": "No QR code found in the photo", "lookup.read": "Read from the photo: ",
    "lookup.unknown": "Unknown code", "lookup.empty": "Enter a code",
    unit: "Unit", product: "Product", gtin: "GTIN", lot: "Lot", serial: "Serial",
    status: "Status", plant: "Plant", commissioned: "Commissioned", verdict: "Verdict",
    timeline: "Provenance timeline", custody: "Custody graph", recall: "Lot recall list",
    map: "Where it went and was scanned", scans: "Scans", events: "Events",
    "ev.commissioned": "Commissioned", "ev.received": "Received", "ev.shipped": "Shipped",
    "ev.scan": "Scanned", "ev.transit": "in transit",
    holder: "Holder", received: "Received", shipped: "Shipped", inStock: "In stock", sold: "Sold",
    withdrawn: "Withdrawn", unaccounted: "Unaccounted", scanned: "Scanned", units: "Units",
    consumer: "Consumer",
    "div.title": "Diversion cases", "div.case": "Case", "div.responsible": "Responsible",
    "div.destination": "Destination", "div.severity": "Severity", "div.period": "Period",
    "div.path": "Diversion path", "div.leak": "Leak", "div.none": "No diversion cases",
    "div.inChannel": "in channel", "div.outChannel": "out of channel",
    "fraud.title": "Store fraud clusters", "fraud.cluster": "Cluster", "fraud.score": "Score",
    "fraud.stores": "Stores", "fraud.regions": "Regions", "fraud.reasons": "What ties them",
    "fraud.evidence": "Shared phones, devices, addresses, accounts", "fraud.none": "No fraud clusters",
    "layout.placeholder": "Layout plan id", "layout.open": "Open plan", "layout.plans": "Layout plans",
    "layout.sites": "Sites", "layout.site": "Site", "layout.opened": "Opened",
    "layout.currentSite": "Current", "layout.demand": "Demand", "layout.cost": "Cost",
    "layout.method": "Method", "layout.gap": "Gap", "layout.saved": "Cost saved",
    "layout.reassigned": "Stores reassigned", "layout.none": "No layout plans", "layout.map": "Sites on the map",
    "jobs.refresh": "Refresh", "jobs.title": "Jobs", "jobs.kind": "Kind", "jobs.progress": "Progress",
    "jobs.created": "Submitted", "jobs.finished": "Finished", "jobs.none": "No jobs",
    "jobs.result": "Result",
    id: "Id", name: "Name", time: "Time", region: "Region", kind: "Kind", yes: "yes", no: "no",
    error: "Error: ", loading: "Loading…", open: "Open", more: "More", filter: "Filter",
    "div.distributorFilter": "Distributor id", "div.regionFilter": "Region code",
    "reason.shared_phone": "shared phone", "reason.shared_device": "shared device",
    "reason.shared_owner": "same owner", "reason.shared_address": "shared address",
    "reason.colocated": "same spot", "reason.registration_burst": "registered together",
    "reason.over_redemption": "over-redemption", "reason.dead_orders": "orders nobody scans",
    "reason.threshold_orders": "orders at the threshold", "reason.payout_timing": "payout timing",
    "reason.device_many_stores": "one device, many stores",
    "reason.staff_unreceived": "staff scan units never received",
    "reason.anomaly_model": "anomaly model",
    "label.FraudCluster": "cluster", "label.Store": "store", "label.Phone": "phone",
    "label.Device": "device", "label.Address": "address", "label.Person": "person",
    "label.Order": "order", "label.Scan": "scan", "label.PayoutAccount": "payout account",
    "sev.LOW": "low", "sev.MEDIUM": "medium", "sev.HIGH": "high",
    "leak.OFF_CONTRACT_SHIPMENT": "off-contract shipment",
    "leak.UNRECORDED_TRANSFER": "unrecorded transfer",
    "job.PENDING": "pending", "job.RUNNING": "running", "job.SUCCEEDED": "succeeded",
    "job.FAILED": "failed",
    "kind.CAPTURE": "capture", "kind.LAYOUT": "channel layout", "kind.DIVERSION": "diversion",
    "kind.REFERRAL_RINGS": "referral rings", "kind.STORE_FRAUD": "store fraud",
    "party.PLANT": "plant", "party.DISTRIBUTOR": "distributor", "party.STORE": "store",
    "party.CONSUMER": "consumer", "party.PARTY": "party",
    "step.MADE": "made", "step.TRANSFER": "transfer", "step.SCAN": "scan",
  },
};

let language = localStorage.getItem("yima.lang") === "en" ? "en" : "zh";

export function lang() {
  return language;
}

export function setLang(value) {
  language = value === "en" ? "en" : "zh";
  localStorage.setItem("yima.lang", language);
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  translatePage();
}

/** The word for `key`; an enum value without a word shows as it is. */
export function t(key) {
  const word = WORDS[language][key];
  if (word !== undefined) return word;
  const tail = key.split(".").pop();
  return language === "en" ? tail.toLowerCase().replaceAll("_", " ") : tail;
}

export function translatePage() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  document.title = `yima ${t("title")}`;
  document.getElementById("lang").textContent = t("switch");
}

export function when(value) {
  if (!value) return "";
  return new Date(value).toLocaleString(language === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}
