// The signature and seal images (core/image.h): what a PNG must be to become a
// record, and its pixels.
#include "core/image.h"

#include <gtest/gtest.h>

#include "tests/tools/png_maker.h"

namespace vanban {
namespace {

using testing::MakePng;

TEST(SignatureImage, TransparentPngGivesPixelsAndAlpha) {
  auto r = image::ReadPng(testing::SignaturePng());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->width, 400u);
  EXPECT_EQ(r->height, 160u);
  ASSERT_EQ(r->rgb.size(), 400u * 160 * 3);
  ASSERT_EQ(r->alpha.size(), 400u * 160);
  EXPECT_EQ(static_cast<uint8_t>(r->alpha[0]), 0);  // the corner is transparent
  // Every inked pixel is opaque blue; the rest transparent.
  size_t ink = 0;
  for (size_t i = 0; i < r->alpha.size(); ++i) {
    uint8_t a = static_cast<uint8_t>(r->alpha[i]);
    ASSERT_TRUE(a == 0 || a == 0xFF) << i;
    if (a == 0xFF) {
      ++ink;
      EXPECT_EQ(static_cast<uint8_t>(r->rgb[3 * i]), 0x1A);
      EXPECT_EQ(static_cast<uint8_t>(r->rgb[3 * i + 2]), 0xC8);
    }
  }
  EXPECT_GT(ink, 2000u);
  EXPECT_LT(ink, r->alpha.size() / 4);
}

TEST(SignatureImage, OpaqueAndGreyPngsNeedNoMask) {
  auto rgb = image::ReadPng(MakePng(32, 20, [](uint32_t x, uint32_t) { return x < 16 ? 0xFF0000FFu : 0x0000FFFFu; },
                                    PNG_FORMAT_RGB));
  ASSERT_TRUE(rgb.ok()) << rgb.status().message();
  EXPECT_TRUE(rgb->alpha.empty());
  EXPECT_EQ(static_cast<uint8_t>(rgb->rgb[0]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(rgb->rgb[3 * 31 + 2]), 0xFF);
  auto grey = image::ReadPng(MakePng(20, 20, [](uint32_t, uint32_t) { return 0x808080FFu; }, PNG_FORMAT_GRAY));
  ASSERT_TRUE(grey.ok()) << grey.status().message();
  EXPECT_TRUE(grey->alpha.empty());
  EXPECT_EQ(grey->rgb[0], grey->rgb[1]);
  EXPECT_EQ(grey->rgb[1], grey->rgb[2]);
}

TEST(SignatureImage, RefusesWhatIsNotAUsablePng) {
  auto refused = [](const std::string& bytes, const std::string& part) {
    auto r = image::ReadPng(bytes);
    if (r.ok()) return ::testing::AssertionFailure() << "accepted";
    if (r.status().code() != Status::Code::kBadInput || r.status().message().find(part) == std::string::npos)
      return ::testing::AssertionFailure() << r.status().message();
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(refused("", "empty"));
  EXPECT_TRUE(refused(std::string("\xFF\xD8\xFF\xE0") + std::string(100, 'j'), "this is a JPEG file"));
  EXPECT_TRUE(refused("%PDF-1.7\n", "this is a PDF file"));
  EXPECT_TRUE(refused("hello", "must be a PNG"));
  std::string png = testing::SignaturePng();
  EXPECT_TRUE(refused(png.substr(0, png.size() / 2), "the PNG is damaged"));
  std::string flipped = png;
  flipped[20] ^= 0x40;  // inside IHDR: its CRC no longer matches
  EXPECT_TRUE(refused(flipped, "the PNG cannot be read"));
  EXPECT_TRUE(refused(MakePng(8, 40, [](uint32_t, uint32_t) { return 0u; }), "8x40 pixels; each side must be 16 to 4000"));
  EXPECT_TRUE(refused(MakePng(4001, 16, [](uint32_t, uint32_t) { return 0u; }), "4001x16 pixels"));
  std::string big = png + std::string(image::kMaxPngBytes, '\0');
  EXPECT_TRUE(refused(big, "at most 1024 KiB"));
}

TEST(SignatureImage, RecordTextRoundTrip) {
  std::string png = testing::SealPng();
  std::string text = image::ToText(png);
  EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="), std::string::npos);
  auto back = image::FromText(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, png);
  EXPECT_FALSE(image::FromText("not base64 ***").ok());
}

}  // namespace
}  // namespace vanban
