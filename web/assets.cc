// vanban/web — the stylesheet and the script, served from memory (no build step, no CDN).
#include <string_view>

#include "web/pages.h"

namespace vanban::web {

namespace {

const char kCss[] = R"css(
*{box-sizing:border-box}
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f3;line-height:1.45}
header{background:#7a1010;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:bold}
header .who{margin-left:auto}
header form{display:inline}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0}
h2{font-size:1.1rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
pre.text{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:1rem;font-family:"Noto Serif","DejaVu Serif",serif}
.notice{background:#fde8e8;border:1px solid #c33;padding:.5rem 1rem;margin:.5rem 0}
.counts span{display:inline-block;background:#fff;border:1px solid #ccc;padding:.2rem .6rem;margin:0 .4rem .4rem 0}
form.action{background:#fff;border:1px solid #ddd;padding:.6rem;margin:.4rem 0}
textarea{width:100%;min-height:4rem}
button{background:#7a1010;color:#fff;border:0;padding:.4rem 1rem;cursor:pointer}
label{display:block;margin:.4rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:bold}
nav.main{display:flex;gap:.8rem;flex-wrap:wrap}
nav.main a{font-weight:normal}
.field-error{color:#a00;font-size:.9rem;margin:.1rem 0 .4rem}
input[type=text],input[type=search],input[type=password],select{padding:.3rem;max-width:100%}
.confirm{background:#fff;border:2px solid #7a1010;padding:1rem}
.diff ins{background:#d4f7d4;text-decoration:none}
.diff del{background:#f7d4d4}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
@media (max-width:50rem){.cols{grid-template-columns:1fr}}
progress{width:20rem;max-width:100%}
article.doc{background:#fff;border:1px solid #ddd;padding:1rem 1.5rem;font-family:"Noto Serif","DejaVu Serif",serif}
article.doc .doc-org{font-weight:bold;text-transform:uppercase;margin:0}
article.doc .doc-kind{text-align:center;font-weight:bold;margin:1rem 0 0}
article.doc .doc-title{text-align:center;font-weight:bold;margin:0 0 1rem}
article.doc p{text-align:justify}
article.doc .footnote{font-size:.85rem}
article.doc .doc-to{font-size:.9rem;margin-top:1rem}
.preview-errors{color:#a00}
button.secondary{background:#555}
.with-notes{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:1rem}
aside.notes .comment{background:#fffbe6;border:1px solid #e6d8a0;padding:.3rem .6rem;margin:.4rem 0}
aside.notes .meta{font-size:.85rem;color:#555;margin:0}
@media (max-width:50rem){.with-notes{grid-template-columns:1fr}}
a.button{display:inline-block;background:#7a1010;color:#fff;padding:.4rem 1rem;text-decoration:none}
form.compose textarea[name=body]{font-family:"DejaVu Sans Mono",monospace;font-size:.9rem}
.muted{color:#666}
.warn{background:#fff4d6;border-left:4px solid #c80;padding:.3rem .5rem;margin:.3rem 0}
tr.collision td{background:#fffaf0}
form.filters{display:flex;gap:.8rem;flex-wrap:wrap;align-items:flex-end;margin:.5rem 0}
form.filters label{margin:0}
nav.tabs a{margin-right:1rem}
nav.tabs a[aria-current]{font-weight:bold}
ul.receipts{margin:0;padding-left:1rem}
.pager{margin:.6rem 0}
@media print{header,form,button{display:none}body{background:#fff}main{max-width:none}}
)css";

// Plain JavaScript, loaded with `defer` on every page; each part looks for its own
// elements and does nothing when they are absent. Forms work without it.
const char kJs[] = R"js(
"use strict";
// Job progress: a section.job[data-job] polls /jobs/ID/status until finished.
document.querySelectorAll("section.job[data-job]").forEach(function (sec) {
  var id = sec.getAttribute("data-job");
  function tick() {
    fetch("/jobs/" + id + "/status", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (j) {
      var p = sec.querySelector("progress");
      p.max = j.total || 1; p.value = j.finished ? (j.total || 1) : j.done;
      sec.querySelector(".job-count").textContent = j.done + "/" + j.total;
      sec.querySelector(".job-what").textContent = j.what;
      var st = sec.querySelector(".job-state");
      if (!j.finished) { st.textContent = "Đang chạy… (" + (j.total ? Math.floor(j.done * 100 / j.total) : 0) + "%)"; setTimeout(tick, 400); return; }
      st.textContent = j.ok ? "Xong. " + j.summary : "Không thành công: " + j.error;
      if (j.file) sec.querySelector(".job-file").hidden = false;
    }).catch(function () { setTimeout(tick, 1000); });
  }
  tick();
});
// Compose: the preview follows the typing (the server renders it, as it will be saved).
(function () {
  var form = document.getElementById("compose"), out = document.getElementById("preview");
  if (!form || !out) return;
  var timer = null, seq = 0;
  function refresh() {
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    fetch("/preview", {method: "POST", body: body, credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null && mine === seq) out.innerHTML = html;  // the server escaped every user text
    }).catch(function () {});
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
})();
)js";

}  // namespace

const Asset* FindAsset(std::string_view path) {
  static const Asset css{"text/css; charset=utf-8", kCss};
  static const Asset js{"text/javascript; charset=utf-8", kJs};
  if (path == "/style.css") return &css;
  if (path == "/app.js") return &js;
  return nullptr;
}

}  // namespace vanban::web
