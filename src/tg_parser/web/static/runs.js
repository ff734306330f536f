// Live progress of the runs still at work: each row follows its run's server-sent events
// (/runs/<id>/events) and shows the status and progress they carry. Text only (textContent).
"use strict";

function progressText(progress) {
  if (!progress) return "";
  const total = progress.total ? " / " + progress.total.toLocaleString() : "";
  const done = (progress.done || 0).toLocaleString();
  return [progress.stage || "", done + total, progress.unit || ""].join(" ").trim();
}

function follow(row) {
  const events = new EventSource("/runs/" + encodeURIComponent(row.dataset.run) + "/events");
  const show = (message) => {
    const data = JSON.parse(message.data);
    const status = row.querySelector(".status");
    status.textContent = data.status;
    status.className = "status status-" + data.status;
    row.querySelector(".progress").textContent = data.error || progressText(data.progress);
    if (data.duration_seconds !== undefined) {
      row.querySelector(".seconds").textContent = data.duration_seconds.toFixed(1);
    }
  };
  events.addEventListener("progress", show);
  events.addEventListener("end", (message) => {
    show(message);
    events.close();
    delete row.dataset.run;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("tr[data-run]").forEach(follow);
});
