// Background jobs (web/jobs.h): a finished job's file lives on disk, not in memory,
// and a long-running server keeps only the newest finished jobs.
#include "web/jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

namespace vanban::web {
namespace {

// Waits (bounded) until the job has finished.
Job::View Finished(const Jobs& jobs, const std::string& id) {
  for (int i = 0; i < 500; ++i) {
    auto job = jobs.Find(id);
    if (!job) return {};
    Job::View v = job->Snapshot();
    if (v.finished) return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "job " << id << " did not finish";
  return {};
}

Job::Outcome FileOutcome(const std::string& bytes) {
  Job::Outcome out;
  out.summary = "xong";
  out.file = bytes;
  out.file_type = "application/x-tar";
  out.filename = "luu-tru.tar";
  return out;
}

// A fresh folder for the jobs' folders (as HOME/web-jobs), not yet made.
std::string Parent(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("vanban-jobs-test-" + name + "-" + std::to_string(::getpid())) /
          "web-jobs")
      .string();
}

// Removes the test's folder at the end of the scope (declared before the Jobs).
struct Cleanup {
  std::string parent;
  ~Cleanup() { std::filesystem::remove_all(std::filesystem::path(parent).parent_path()); }
};

TEST(WebJobs, AFinishedJobsFileIsOnDiskAndReadBackWhole) {
  std::string dir;
  const std::string parent = Parent("disk");
  {
    Jobs jobs(parent);
    const std::string bytes(3 << 20, 'x');  // 3 MiB
    std::string id = jobs.Start("Xuất lưu trữ", "vanthu", [&](Job& job) {
      job.Progress(1, 1, "đóng gói");
      return FileOutcome(bytes);
    });
    Job::View v = Finished(jobs, id);
    EXPECT_TRUE(v.ok) << v.error;
    EXPECT_TRUE(v.has_file);
    EXPECT_EQ(v.filename, "luu-tru.tar");
    dir = jobs.dir();
    ASSERT_FALSE(dir.empty());
    EXPECT_EQ(std::filesystem::path(dir).parent_path(), std::filesystem::path(parent));
    EXPECT_EQ(std::filesystem::file_size(dir + "/" + id), bytes.size());
    EXPECT_EQ(std::filesystem::status(dir).permissions() & std::filesystem::perms::all, std::filesystem::perms::owner_all);
    auto back = jobs.Find(id)->FileBytes();
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, bytes);
    EXPECT_EQ(jobs.Find(id)->FileType(), "application/x-tar");

    // A job without a file, or one that failed, has none to download.
    std::string plain = jobs.Start("Đồng bộ", "vanthu", [](Job&) { return Job::Outcome{Status::Ok(), "3 bản ghi", "", "", ""}; });
    EXPECT_FALSE(Finished(jobs, plain).has_file);
    EXPECT_EQ(jobs.Find(plain)->FileBytes().value(), "");
    std::string failed = jobs.Start("Đồng bộ", "vanthu", [](Job&) { return Job::Outcome{Status::Refused("mất kết nối"), "", "", "", ""}; });
    Job::View f = Finished(jobs, failed);
    EXPECT_FALSE(f.ok);
    EXPECT_EQ(f.error, "mất kết nối");
  }
  // The server stopped: its files are gone with it.
  EXPECT_FALSE(std::filesystem::exists(dir));
  std::filesystem::remove_all(std::filesystem::path(parent).parent_path());
}

TEST(WebJobs, AFileThatCannotBeWrittenFailsTheJob) {
  const std::string parent = Parent("unwritable");
  std::filesystem::create_directories(std::filesystem::path(parent).parent_path());
  { std::ofstream(parent) << "a file where the folder should be"; }
  {
    Jobs jobs(parent);
    Job::View v = Finished(jobs, jobs.Start("Xuất", "vanthu", [](Job&) { return FileOutcome("tệp"); }));
    EXPECT_FALSE(v.ok);
    EXPECT_FALSE(v.has_file);
    EXPECT_EQ(v.error.rfind("Không ghi được tệp kết quả: ", 0), 0u) << v.error;
  }
  std::filesystem::remove_all(std::filesystem::path(parent).parent_path());
}

TEST(WebJobs, OnlyTheNewestFinishedJobsAreKept) {
  Cleanup cleanup{Parent("newest")};
  Jobs jobs(cleanup.parent);
  std::vector<std::string> ids;
  for (size_t i = 0; i < Jobs::kKeepFinished + 5; ++i) {
    ids.push_back(jobs.Start("Việc " + std::to_string(i), i % 2 ? "vanthu" : "giamdoc",
                             [i](Job&) { return FileOutcome("tệp " + std::to_string(i)); }));
    Finished(jobs, ids.back());
  }
  // Starting one more forgets the finished jobs beyond the newest kKeepFinished.
  std::string last = jobs.Start("Việc cuối", "vanthu", [](Job&) { return FileOutcome("cuối"); });
  Finished(jobs, last);
  size_t kept = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool old = i < ids.size() - Jobs::kKeepFinished;
    EXPECT_EQ(jobs.Find(ids[i]) == nullptr, old) << i;
    EXPECT_EQ(std::filesystem::exists(jobs.dir() + "/" + ids[i]), !old) << i;
    kept += !old;
  }
  EXPECT_EQ(kept, Jobs::kKeepFinished);
  EXPECT_EQ(jobs.Of("vanthu").size() + jobs.Of("giamdoc").size(), Jobs::kKeepFinished + 1);
  EXPECT_EQ(jobs.Find(last)->FileBytes().value(), "cuối");
}

TEST(WebJobs, ARunningJobIsNeverForgotten) {
  Cleanup cleanup{Parent("running")};
  Jobs jobs(cleanup.parent);
  std::atomic<bool> release{false};
  std::string slow = jobs.Start("Chậm", "vanthu", [&](Job&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return FileOutcome("chậm");
  });
  for (size_t i = 0; i < Jobs::kKeepFinished + 3; ++i)
    Finished(jobs, jobs.Start("Nhanh", "vanthu", [](Job&) { return FileOutcome("nhanh"); }));
  ASSERT_NE(jobs.Find(slow), nullptr);
  EXPECT_FALSE(jobs.Find(slow)->Snapshot().finished);
  release = true;
  EXPECT_EQ(Finished(jobs, slow).has_file, true);
  EXPECT_EQ(jobs.Find(slow)->FileBytes().value(), "chậm");
}

}  // namespace
}  // namespace vanban::web
