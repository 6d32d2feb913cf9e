// vanban/web — background jobs and their pages (see jobs.h).
#include "web/jobs.h"

#include <sodium.h>
#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/files.h"
#include "web/reasons.h"
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
    v.error = v.ok ? "" : Said(outcome_.status);
    v.summary = outcome_.summary;
    v.has_file = !file_path_.empty();
    v.filename = outcome_.filename;
  }
  return v;
}

Result<std::string> Job::FileBytes() const {
  std::string path;
  uint64_t size = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!finished_ || file_path_.empty()) return std::string();
    path = file_path_;
    size = file_size_;
  }
  return files::Read(path, static_cast<size_t>(size));
}

std::string Job::FileType() const {
  std::lock_guard<std::mutex> l(mu_);
  return outcome_.file_type;
}

Jobs::Jobs(std::string parent) : parent_(std::move(parent)) {}

Jobs::~Jobs() {
  std::vector<std::shared_ptr<Job>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [id, job] : jobs_) all.push_back(job);
  }
  // Not under mu_: a job ending keeps its file under it.
  for (const auto& job : all)
    if (job->thread_.joinable()) job->thread_.join();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string Jobs::Start(const std::string& title, const std::string& owner, std::function<Job::Outcome(Job&)> work) {
  uint8_t raw[16];
  randombytes_buf(raw, sizeof raw);
  std::string id = ToHex(raw, sizeof raw);
  auto job = std::make_shared<Job>();
  job->title_ = title;
  job->owner_ = owner;
  std::lock_guard<std::mutex> l(mu_);
  Prune();
  jobs_[id] = job;
  order_.push_back(id);
  job->thread_ = std::thread([this, id, job = job.get(), work = std::move(work)] { Keep(id, *job, work(*job)); });
  return id;
}

void Jobs::Keep(const std::string& id, Job& job, Job::Outcome out) {
  std::string path;
  if (!out.file.empty()) {
    std::string dir;
    Status s;
    {
      std::lock_guard<std::mutex> l(mu_);  // only to make the folder once
      if (dir_.empty()) {
        std::string tmp = parent_ + "/XXXXXX";
        s = files::MakeDirs(parent_, 0700);
        if (s.ok() && ::mkdtemp(tmp.data())) dir_ = tmp;  // 0700: the files are the office's documents
        else if (s.ok()) s = Status::Invalid(parent_ + ": " + std::strerror(errno));
      }
      dir = dir_;
    }
    // The write (maybe hundreds of MB) outside the lock: the server keeps answering.
    if (s.ok()) s = files::WriteAtomic(dir + "/" + id, out.file, 0600, true);
    if (s.ok()) path = dir + "/" + id;
    else if (out.status.ok()) out.status = Status::Invalid("Không ghi được tệp kết quả: " + s.message());
  }
  std::lock_guard<std::mutex> jl(job.mu_);
  job.file_size_ = out.file.size();
  job.file_path_ = path;
  out.file.clear();
  out.file.shrink_to_fit();
  job.outcome_ = std::move(out);
  job.finished_ = true;  // last: Prune joins only finished jobs, which no longer need mu_
}

void Jobs::Prune() {
  size_t finished = 0;
  for (auto it = order_.rbegin(); it != order_.rend();) {
    std::shared_ptr<Job> job = jobs_.at(*it);
    bool done;
    {
      std::lock_guard<std::mutex> jl(job->mu_);
      done = job->finished_;
    }
    if (!done || ++finished <= kKeepFinished) {
      ++it;
      continue;
    }
    if (job->thread_.joinable()) job->thread_.join();
    std::error_code ec;
    if (!job->file_path_.empty()) std::filesystem::remove(job->file_path_, ec);
    jobs_.erase(*it);
    it = std::make_reverse_iterator(order_.erase(std::next(it).base()));
  }
}

std::string Jobs::dir() const {
  std::lock_guard<std::mutex> l(mu_);
  return dir_;
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
    auto bytes = job->FileBytes();
    if (!bytes.ok()) return ErrorReply(c.viewer, 500, "Không đọc được tệp kết quả: " + Said(bytes.status()));
    return Reply::File(std::move(bytes).value(), job->FileType(), "attachment", v.filename);
  }
  if (!what.empty()) return std::nullopt;
  return Reply::Html(Layout(v.title, c.viewer, "<h1>" + Escape(v.title) + "</h1>" + JobPanel(id, v)));
}

}  // namespace vanban::web
