// Refusals as data: every reason core gives has its English form (core) and its
// Vietnamese form (web) with the same arguments; the CLI's wording is unchanged and
// the web phrases the same refusal in Vietnamese.
#include "web/reasons.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "tests/core/fixture.h"

namespace vanban::web {
namespace {

using testing::As;
using testing::OrgTest;

std::set<std::string> ArgumentSet(std::string_view form) {
  auto v = FormArguments(form);
  return {v.begin(), v.end()};
}

TEST(Reasons, EveryIdHasBothFormsWithTheSameArguments) {
  std::set<std::string_view> seen;
  for (const ReasonForm& f : ReasonForms()) {
    EXPECT_TRUE(seen.insert(f.id).second) << "id given twice: " << f.id;
    EXPECT_FALSE(f.english.empty()) << f.id;
    const std::string_view vi = VietnameseForm(f.id);
    EXPECT_FALSE(vi.empty()) << "no Vietnamese form for " << f.id;
    EXPECT_EQ(ArgumentSet(vi), ArgumentSet(f.english)) << f.id;
  }
  for (std::string_view id : VietnameseIds())
    EXPECT_FALSE(EnglishForm(id).empty()) << "a Vietnamese form for an id core does not give: " << id;
}

TEST(Reasons, TheMessageIsTheEnglishFormAndTheWebSaysItInVietnamese) {
  Status s = Status::Refused(Reason{"lacks-role-in", {{"login", "tp1"}, {"role", "clerk"}, {"org", "Sở Ngoại vụ"}}});
  EXPECT_EQ(s.code(), Status::Code::kRefused);
  EXPECT_EQ(s.message(), "'tp1' does not hold the role clerk in Sở Ngoại vụ");
  ASSERT_NE(s.reason(), nullptr);
  EXPECT_EQ(Said(s), "'tp1' không có vai trò văn thư tại Sở Ngoại vụ.");
  // Context added on the way keeps the reason; a failure without one is said as it is.
  EXPECT_EQ(Said(s.With("doc 1a2b")), Said(s));
  EXPECT_EQ(Said(Status::BadInput("bad --date")), "bad --date");
}

TEST(Reasons, StatesAndActionsAreSaidInVietnamese) {
  Reason r{"wrong-state", {{"action", "sign"}, {"state", "draft"}, {"states", "submitted or partially_signed"}}};
  EXPECT_EQ(Status::Refused(r).message(),
            "cannot sign a document in state draft (allowed in submitted or partially_signed)");
  EXPECT_EQ(Vietnamese(r), "Không thể ký văn bản đang ở trạng thái «nháp» (chỉ được khi «trình ký» hoặc «đã ký một phần»).");
  EXPECT_EQ(Vietnamese(Reason{"return-not-signer", {{"who", "nobody"}}}),
            "Chỉ người ký được trình (chưa ai) mới trả lại được văn bản.");
}

// The refusals a node gives carry their reason; their English wording is the CLI's.
class ReasonsOfANode : public OrgTest {};

TEST_F(ReasonsOfANode, ARefusalCarriesItsReason) {
  const std::string id = NewDirective();
  ASSERT_TRUE(node_->Do(As("chuyenvien"), act::Route{id, {"tp1"}}).status().ok());
  ASSERT_TRUE(node_->Do(As("tp1"), act::Approve{id}).status().ok());
  Status again = node_->Do(As("tp1"), act::Approve{id}).status();
  ASSERT_NE(again.reason(), nullptr) << again.message();
  EXPECT_EQ(again.reason()->id, "already-approved");
  EXPECT_EQ(again.message(), "'tp1' has already approved this revision");
  EXPECT_EQ(Said(again), "'tp1' đã thông qua bản này rồi.");

  Status early = node_->Do(As("vanthu"), act::Issue{id}).status();
  ASSERT_NE(early.reason(), nullptr) << early.message();
  EXPECT_EQ(early.reason()->id, "wrong-state");
  EXPECT_EQ(Said(early).rfind("Không thể ban hành văn bản đang ở trạng thái «đang xin ý kiến»", 0), 0u) << Said(early);
}

}  // namespace
}  // namespace vanban::web
