// vanban/core — the images of Decree 30/2020 Appendix I: a signer's handwritten
// signature and the organisation's seal, as PNG files (docs/certificates.md,
// "Signature images").
//
// Owns: the checks a PNG must pass to become a person.image or org.seal-image
// record (a real PNG that libpng decodes, of a size a page can show), and its
// pixels for drawing (8-bit RGB and, when any pixel is not opaque, an alpha
// plane: the PDF's soft mask). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vanban::image {

inline constexpr size_t kMaxPngBytes = 1u << 20;  // every node of the organisation holds it
inline constexpr uint32_t kMinSide = 16, kMaxSide = 4000;
// The seal's real diameter, in millimetres (Appendix I: "at its real size").
inline constexpr int kDefaultSealMm = 36, kMinSealMm = 20, kMaxSealMm = 60;

struct Raster {
  uint32_t width = 0, height = 0;
  std::string rgb;    // width * height * 3 bytes, rows top to bottom
  std::string alpha;  // width * height bytes; empty when every pixel is opaque
};

// Checks `png` (size, signature, dimensions, a full decode) and returns its pixels.
// BadInput with a reason a person can act on otherwise ("a JPEG file, not a PNG").
Result<Raster> ReadPng(std::string_view png);

// The PNG's bytes as a record's text (base64, which records carry as UTF-8), and back.
std::string ToText(std::string_view png);
Result<std::string> FromText(std::string_view text);

}  // namespace vanban::image
