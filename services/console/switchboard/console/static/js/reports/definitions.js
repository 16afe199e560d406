/* The reports: where each one's rows come from, its columns, and what its charts plot. */

import { api, duration, percent, t } from "/static/js/console.js";

const BLUE = "#1a73e8", GREEN = "#188038", ORANGE = "#e8710a", RED = "#c5221f";

const qs = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ""));
const col = (key, label, render) => ({ key, label: t(label), ...(render ? { render } : {}) });

let queueNames = null;
/** Queue ids as their names, where the user may read routing's queues. */
async function queueName() {
  queueNames ??= api("routing", "/v1/queues")
    .then((queues) => new Map(queues.map((q) => [q.id, q.name])))
    .catch(() => new Map());
  const names = await queueNames;
  return (id) => names.get(id) || id;
}

async function groupedRows(path, query, extra = {}) {
  const rows = await api("qa", `${path}?${qs({ group_by: query.groupBy, since: query.since, until: query.until, ...extra })}`);
  if (query.groupBy !== "queue") return rows;
  const name = await queueName();
  return rows.map((row) => ({ ...row, key: name(row.key) }));
}

const csat = {
  id: "csat", title: "reports.csat",
  async load(query) {
    const rows = await groupedRows("/v1/reports/csat", query);
    return {
      rows,
      columns: [col("key", `reports.by.${query.groupBy}`), col("responses", "reports.responses"),
        col("average", "reports.average_rating"), col("csat_percent", "reports.csat_percent", (r) => `${r.csat_percent}%`)],
      charts: [{ title: t("reports.csat_percent"), labels: rows.map((r) => r.key), max: 100, unit: "%",
        series: [{ name: t("reports.csat_percent"), values: rows.map((r) => r.csat_percent), color: GREEN }] }],
    };
  },
};

const evaluations = {
  id: "evaluations", title: "reports.evaluations",
  async load(query) {
    const rows = await groupedRows("/v1/reports/evaluations", query);
    return {
      rows,
      columns: [col("key", `reports.by.${query.groupBy}`), col("evaluations", "reports.evaluation_count"),
        col("average_score", "reports.average_score"), col("failed_critical", "reports.failed_critical")],
      charts: [{ title: t("reports.average_score"), labels: rows.map((r) => r.key), max: 100,
        series: [{ name: t("reports.average_score"), values: rows.map((r) => r.average_score), color: BLUE }] }],
    };
  },
};

const questions = {
  id: "questions", title: "reports.questions_failed",
  async load(query) {
    const rows = (await api("qa", `/v1/reports/questions-failed?${qs({ since: query.since, until: query.until })}`))
      .map((r) => ({ ...r, fail_percent: Math.round(r.fail_rate * 1000) / 10 }));
    const top = rows.slice(0, 12);
    return {
      rows,
      columns: [col("scorecard", "reports.scorecard"), col("text", "reports.question"), col("answered", "reports.answered"),
        col("failed", "reports.failed"), col("fail_percent", "reports.fail_rate", (r) => `${r.fail_percent}%`)],
      charts: [{ title: t("reports.fail_rate"), labels: top.map((r) => r.key), max: 100, unit: "%",
        series: [{ name: t("reports.fail_rate"), values: top.map((r) => r.fail_percent), color: RED }] }],
    };
  },
};

const topicsOf = new WeakMap();
/** One request for both topic reports of the same filter. */
function hotTopics(query) {
  if (!topicsOf.has(query)) {
    topicsOf.set(query, api("qa", `/v1/reports/hot-topics?${qs({ period: query.topicsPeriod, on: query.to, limit: 20 })}`));
  }
  return topicsOf.get(query);
}

const topicColumns = () => [col("term", "reports.term"), col("contacts", "reports.contacts"),
  col("previous", "reports.previous"), col("growth", "reports.growth", (r) => `×${r.growth}`)];

const topics = {
  id: "topics", title: "reports.hot_topics",
  async load(query) {
    const found = await hotTopics(query);
    const rows = found.most_frequent;
    return {
      rows, columns: topicColumns(), note: t("reports.topics_note", { period: found.period, previous: found.previous }),
      charts: [{ title: t("reports.contacts"), labels: rows.map((r) => r.term), series: [
        { name: found.period, values: rows.map((r) => r.contacts), color: BLUE },
        { name: found.previous, values: rows.map((r) => r.previous), color: "#9aa0a6" }] }],
    };
  },
};

const rising = {
  id: "rising", title: "reports.rising_topics",
  async load(query) {
    const found = await hotTopics(query);
    const rows = found.fastest_rising;
    return {
      rows, columns: topicColumns(), note: t("reports.rising_note"),
      charts: [{ title: t("reports.growth"), labels: rows.map((r) => r.term),
        series: [{ name: t("reports.growth"), values: rows.map((r) => r.growth), color: ORANGE }] }],
    };
  },
};

const METRICS = ["csat", "qa_score", "connect_rate", "utilization", "service_level", "handle_seconds", "exam_score",
  "marketing_completion"];
const SHARES = new Set(["csat", "connect_rate", "utilization", "service_level", "marketing_completion"]);

const kpis = {
  id: "kpis", title: "reports.agent_kpis", roles: ["admin", "supervisor"],
  async load(query) {
    const agents = await api("qa", `/v1/kpis/agents?${qs({ since: query.since, until: query.until })}`);
    const rows = agents.map((a) => ({ rank: a.rank, agent_id: a.agent_id, score: a.score, ...a.metrics,
      flags: a.flags.map((f) => t(`reports.flag.${f}`)).join(", ") }));
    const shown = (key) => (row) => {
      const value = row[key];
      if (value === undefined || value === null) return "–";
      if (key === "handle_seconds") return duration(value);
      return SHARES.has(key) ? percent(value) : Math.round(value * 10) / 10;
    };
    return {
      rows,
      columns: [col("rank", "reports.rank"), col("agent_id", "reports.agent"), col("score", "reports.kpi_score", shown("score")),
        ...METRICS.map((m) => col(m, `reports.metric.${m}`, shown(m))), col("flags", "reports.flags")],
      note: t("reports.kpi_note"),
      charts: [{ title: t("reports.kpi_score"), labels: rows.map((r) => r.agent_id),
        series: [{ name: t("reports.kpi_score"), values: rows.map((r) => r.score ?? 0), color: BLUE }] }],
    };
  },
};

const intervals = {
  id: "intervals", title: "reports.intervals", roles: ["admin", "supervisor"],
  async load(query) {
    const [found, name] = await Promise.all([
      api("routing", `/v1/stats/intervals?${qs({ day: query.to, of: "queues" })}`), queueName()]);
    const rows = found.map((r) => ({ ...r, time: r.interval_start.slice(11, 16), queue: name(r.queue_id),
      service_level_percent: r.service_level === null ? null : Math.round(r.service_level * 1000) / 10 }));
    const times = [...new Set(rows.map((r) => r.time))];
    const sum = (key) => times.map((time) => rows.filter((r) => r.time === time).reduce((n, r) => n + (r[key] || 0), 0));
    const level = times.map((time) => {
      const counted = rows.filter((r) => r.time === time && r.service_level_percent !== null);
      return counted.length ? Math.min(...counted.map((r) => r.service_level_percent)) : 0;
    });
    return {
      rows, note: t("reports.intervals_note", { day: query.to }),
      columns: [col("time", "reports.interval"), col("queue", "reports.queue"), col("offered", "reports.offered"),
        col("answered", "reports.answered_tasks"), col("abandoned", "reports.abandoned"),
        col("service_level_percent", "reports.service_level", (r) => (r.service_level_percent === null ? "–" : `${r.service_level_percent}%`)),
        col("asa_seconds", "reports.asa"), col("aht_seconds", "reports.aht")],
      charts: [
        { title: t("reports.volume"), labels: times, series: [
          { name: t("reports.offered"), values: sum("offered"), color: BLUE },
          { name: t("reports.answered_tasks"), values: sum("answered"), color: GREEN },
          { name: t("reports.abandoned"), values: sum("abandoned"), color: RED }] },
        { title: t("reports.service_level_lowest"), labels: times, max: 100, unit: "%",
          series: [{ name: t("reports.service_level"), values: level, color: GREEN }] },
      ],
    };
  },
};

export const REPORTS = [csat, evaluations, questions, topics, rising, kpis, intervals];
