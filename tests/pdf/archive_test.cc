// The yearly archive (pdf.h ExportArchive): one signed PDF per issued document,
// named after its number, and a manifest of their hashes sealed by the
// organisation; resumable; refused before anything is written to a person
// without the seal.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/x509.h"
#include "pdf/pdf.h"
#include "tests/core/fixture.h"

namespace vanban::pdf {
namespace {

using vanban::testing::As;
using vanban::testing::ReadAll;
using vanban::testing::ScopedNow;

class ArchiveTest : public vanban::testing::OrgTest {
 protected:
  ArchiveTest() { copies_ = CopyMaker(); }
  // A directive taken through sign and issue on 2024-03-DAY, with its signed PDFs; its number.
  std::string Issued(const std::string& title, int day) {
    std::string d = (day < 10 ? "0" : "") + std::to_string(day);
    std::string id;
    {
      ScopedNow drafted("2024-03-" + d + "T07:30:00+07:00");
      id = NewDirective(title);
    }
    EXPECT_NO_FATAL_FAILURE(
        Advance(id, vanban::testing::PathStep::kRoute, vanban::testing::PathStep::kSign,
                {.at = {"2024-03-" + d + "T08:00:00+07:00", "2024-03-" + d + "T08:10:00+07:00",
                        "2024-03-" + d + "T08:20:00+07:00", "2024-03-" + d + "T08:30:00+07:00"}}));
    ScopedNow now("2024-03-" + d + "T09:00:00+07:00");
    auto n = vanban::testing::NumberOf(node_->Do(As("vanthu"), act::Issue{id}));
    EXPECT_TRUE(n.ok()) << n.status().message();
    ids_.push_back(id);
    return n.ok() ? *n : "";
  }
  std::vector<std::string> ids_;
};

TEST_F(ArchiveTest, SignedPdfsAndASealedManifestResumable) {
  std::string first = Issued("Kế hoạch thi đua năm 2021", 1);
  std::string second = Issued("Kế hoạch công tác biên giới năm 2021", 2);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  const std::string dir = home_ + "/archive-2024";

  std::vector<ArchiveProgress> seen;
  auto n = ExportArchive(*node_, As("vanthu"), 2024, dir, [&](const ArchiveProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2u);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].done, 1u);
  EXPECT_EQ(seen[1].done, 2u);
  EXPECT_EQ(seen[1].total, 2u);

  // The manifest names each file with its hash, and the files are the node's signed copies.
  std::string manifest = ReadAll(dir + "/manifest.json");
  auto m = nlohmann::json::parse(manifest);
  EXPECT_EQ(m["format"], "vanban-archive 1");
  EXPECT_EQ(m["year"], 2024);
  EXPECT_EQ(m["seal"], ToHex(node_->org().seal));
  ASSERT_EQ(m["documents"].size(), 2u);
  std::set<std::string> numbers;
  for (const auto& d : m["documents"]) {
    numbers.insert(d["number"].get<std::string>());
    std::string file = d["file"];
    EXPECT_EQ(file.find('/'), std::string::npos) << "the '/' of the number is not a folder";
    std::string bytes = ReadAll(dir + "/" + file);
    EXPECT_EQ(x509::Sha256Hex(bytes), d["sha256"]) << file;
    EXPECT_EQ(bytes.size(), d["bytes"].get<size_t>()) << file;
    auto stored = node_->SignedCopy(d["document"]);
    ASSERT_TRUE(stored.ok() && *stored) << file;
    EXPECT_EQ(**stored, bytes) << file;
  }
  EXPECT_EQ(numbers, (std::set<std::string>{first, second}));

  // The seal's signature over the manifest's bytes.
  std::string sig_file = ReadAll(dir + "/manifest.json.sig");
  size_t at = sig_file.find("\nsig ");
  ASSERT_NE(at, std::string::npos) << sig_file;
  Signature sig{};
  ASSERT_TRUE(FromHex(sig_file.substr(at + 5, 128), &sig));
  EXPECT_EQ(crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(manifest.data()),
                                        manifest.size(), node_->org().seal.data()),
            0);

  // Resumable: a file cut short is written again, a whole one is kept as it is.
  std::string cut = dir + "/" + m["documents"][0]["file"].get<std::string>();
  std::string kept = dir + "/" + m["documents"][1]["file"].get<std::string>();
  std::filesystem::resize_file(cut, 100);
  struct stat before {};
  ASSERT_EQ(::stat(kept.c_str(), &before), 0);
  std::filesystem::last_write_time(kept, std::filesystem::last_write_time(kept) - std::chrono::hours(24));
  auto kept_time = std::filesystem::last_write_time(kept);
  auto again = ExportArchive(*node_, As("vanthu"), 2024, dir, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(x509::Sha256Hex(ReadAll(cut)), m["documents"][0]["sha256"]);
  EXPECT_EQ(std::filesystem::last_write_time(kept), kept_time) << "a whole copy is not written again";
  EXPECT_EQ(ReadAll(dir + "/manifest.json"), manifest) << "the same manifest, byte for byte";
}

TEST_F(ArchiveTest, RefusedBeforeAnyFileIsWritten) {
  ASSERT_FALSE(Issued("Kế hoạch thi đua năm 2021", 1).empty());
  const std::string dir = home_ + "/archive-refused";
  auto drafter = ExportArchive(*node_, As("chuyenvien"), 2024, dir, nullptr);
  ASSERT_FALSE(drafter.ok());
  EXPECT_EQ(drafter.status().code(), Status::Code::kRefused) << drafter.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir)) << "nothing written for a person without the seal";

  auto empty_year = ExportArchive(*node_, As("vanthu"), 2023, dir, nullptr);
  ASSERT_FALSE(empty_year.ok());
  EXPECT_EQ(empty_year.status().code(), Status::Code::kNotFound);
  EXPECT_NE(empty_year.status().message().find("no document was issued in 2023"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir));

  auto bad_year = ExportArchive(*node_, As("vanthu"), 12024, dir, nullptr);
  ASSERT_FALSE(bad_year.ok());
  EXPECT_EQ(bad_year.status().code(), Status::Code::kBadInput);
}

}  // namespace
}  // namespace vanban::pdf
