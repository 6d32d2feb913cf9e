// vanban/web (internal) — long work (archive export, sync with a peer) run on its own
// thread so the server keeps answering; the page polls its progress (/jobs/ID).
//
// A job must not touch the server's Node (a Node is used from one thread at a time):
// it opens its own with Node::Open(home, options); the server's Node sees the job's commits at
// its next request (Node::Refresh). A job's result is a Status, a line of text and,
// optionally, a file to download: written to a private folder of its own under
// `parent` when the job ends (the server gives HOME/web-jobs: an archive can be
// hundreds of MB, memory — or a /tmp in memory — is not where to keep it), read back
// when downloaded. The newest kKeepFinished finished jobs are kept, older ones
// and their files go, so a server that runs for months holds a bounded amount.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace vanban::web {

class Job {
 public:
  // Called from the job's thread.
  void Progress(uint64_t done, uint64_t total, const std::string& what);

  struct View {
    std::string title, owner, what, summary, error;
    uint64_t done = 0, total = 0;
    bool finished = false, ok = false, has_file = false;
    std::string filename;
  };
  View Snapshot() const;
  // The file a finished job produced (empty when none, or if it can no longer be read).
  Result<std::string> FileBytes() const;
  std::string FileType() const;

  struct Outcome {
    Status status;
    std::string summary;  // one line for the person ("12 văn bản, 3,4 MB")
    std::string file, file_type, filename;
  };

 private:
  friend class Jobs;
  mutable std::mutex mu_;
  std::string title_, owner_, what_;
  uint64_t done_ = 0, total_ = 0;
  bool finished_ = false;
  Outcome outcome_;    // its `file` moved to file_path_ when the job ends
  std::string file_path_;
  uint64_t file_size_ = 0;
  std::thread thread_;
};

class Jobs {
 public:
  static constexpr size_t kKeepFinished = 20;
  // `parent`: where this server's folder of job files is made (on the first file).
  explicit Jobs(std::string parent);
  ~Jobs();  // waits for every running job, then removes the files
  Jobs(const Jobs&) = delete;
  Jobs& operator=(const Jobs&) = delete;
  // Starts `work` on a new thread; returns the job's id (random hex). `owner`: the login
  // that may see it.
  std::string Start(const std::string& title, const std::string& owner, std::function<Job::Outcome(Job&)> work);
  std::shared_ptr<Job> Find(const std::string& id) const;
  // The jobs of `owner`, newest first (id, view).
  std::vector<std::pair<std::string, Job::View>> Of(const std::string& owner) const;
  // Where finished jobs' files are ("" until the first one).
  std::string dir() const;

 private:
  // Keeps a finished job's file on disk; the outcome says so, or why not.
  void Keep(const std::string& id, Job& job, Job::Outcome out);
  // Forgets finished jobs beyond the newest kKeepFinished (called with mu_ held).
  void Prune();

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::vector<std::string> order_;  // oldest first
  const std::string parent_;
  std::string dir_;
};

// The progress panel of a job (HTML); app.js keeps it current from /jobs/ID/status.
std::string JobPanel(const std::string& id, const Job::View& v);

}  // namespace vanban::web
