// vanban/web — background jobs and their pages (see jobs.h).
#include "web/jobs.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "web/routes.h"
#include "web/web.h"

namespace vanban::web {

void Job::Progress(uint64_t done, uint64_t total, const std::string& what) {
  std::lock_guard<std::mutex> l(mu_);
  done_ = done;
  total_ = total;
  what_ = what;
}

Job::View Job::Snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  View v;
  v.title = title_;
  v.owner = owner_;
  v.what = what_;
  v.done = done_;
  v.total = total_;
  v.finished = finished_;
  if (finished_) {
    v.ok = outcome_.status.ok();
    v.error = v.ok ? "" : outcome_.status.message();
    v.summary = outcome_.summary;
    v.has_file = !outcome_.file.empty();
    v.filename = outcome_.filename;
  }
  return v;
}

std::string Job::FileBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return finished_ ? outcome_.file : "";
}

std::string Job::FileType() const {
  std::lock_guard<std::mutex> l(mu_);
  return outcome_.file_type;
}

Jobs::~Jobs() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

std::string Jobs::Start(const std::string& title, const std::string& owner, std::function<Job::Outcome(Job&)> work) {
  uint8_t raw[16];
  randombytes_buf(raw, sizeof raw);
  std::string id = ToHex(raw, sizeof raw);
  auto job = std::make_shared<Job>();
  job->title_ = title;
  job->owner_ = owner;
  std::lock_guard<std::mutex> l(mu_);
  jobs_[id] = job;
  order_.push_back(id);
  threads_.emplace_back([job, work = std::move(work)] {
    Job::Outcome out = work(*job);
    std::lock_guard<std::mutex> jl(job->mu_);
    job->outcome_ = std::move(out);
    job->finished_ = true;
  });
  return id;
}

std::shared_ptr<Job> Jobs::Find(const std::string& id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second;
}

std::vector<std::pair<std::string, Job::View>> Jobs::Of(const std::string& owner) const {
  std::vector<std::shared_ptr<Job>> mine;
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      ids.push_back(*it);
      mine.push_back(jobs_.at(*it));
    }
  }
  std::vector<std::pair<std::string, Job::View>> out;
  for (size_t i = 0; i < mine.size(); ++i) {
    Job::View v = mine[i]->Snapshot();
    if (v.owner == owner) out.emplace_back(ids[i], std::move(v));
  }
  return out;
}

namespace {

std::string JobJson(const Job::View& v) {
  nlohmann::json j = {{"title", v.title}, {"what", v.what},      {"done", v.done},   {"total", v.total},
                      {"finished", v.finished}, {"ok", v.ok}, {"summary", v.summary}, {"error", v.error},
                      {"file", v.has_file}};
  return j.dump();
}

}  // namespace

std::string JobPanel(const std::string& id, const Job::View& v) {
  std::string pct = v.total ? std::to_string(v.done * 100 / v.total) : "0";
  std::string b = "<section class=\"job\" data-job=\"" + Escape(id) + "\"><h2>" + Escape(v.title) + "</h2>";
  b += "<progress max=\"" + std::to_string(v.total ? v.total : 1) + "\" value=\"" +
       std::to_string(v.finished ? (v.total ? v.total : 1) : v.done) + "\"></progress> <span class=\"job-count\">" +
       std::to_string(v.done) + "/" + std::to_string(v.total) + "</span> <span class=\"job-what\">" + Escape(v.what) +
       "</span>";
  b += "<p class=\"job-state\">";
  if (!v.finished) b += "Đang chạy… (" + pct + "%)";
  else if (v.ok) b += "Xong. " + Escape(v.summary);
  else b += "<strong>Không thành công:</strong> " + Escape(v.error);
  b += "</p><p class=\"job-file\"" + std::string(v.finished && v.has_file ? "" : " hidden") + "><a href=\"/jobs/" +
       Escape(id) + "/file\">Tải về " + Escape(v.filename) + "</a></p></section>";
  return b;
}

std::optional<Reply> JobRoutes(Ctx& c, const Call& call) {
  if (call.path.rfind("/jobs/", 0) != 0 || call.post) return std::nullopt;
  std::string rest = call.path.substr(6);
  std::string id = rest.substr(0, rest.find('/'));
  std::string what = rest.size() > id.size() ? rest.substr(id.size() + 1) : "";
  auto job = c.jobs.Find(id);
  if (!job || job->Snapshot().owner != c.viewer.person->login)
    return ErrorReply(c.viewer, 404, "Không có công việc này");
  Job::View v = job->Snapshot();
  if (what == "status") return Reply::Json(JobJson(v));
  if (what == "file") {
    if (!v.finished || !v.has_file) return ErrorReply(c.viewer, 404, "Chưa có tệp để tải");
    return Reply::File(job->FileBytes(), job->FileType(), "attachment", v.filename);
  }
  if (!what.empty()) return std::nullopt;
  return Reply::Html(Layout(v.title, c.viewer, "<h1>" + Escape(v.title) + "</h1>" + JobPanel(id, v)));
}

}  // namespace vanban::web
