// PNG checks and decoding with libpng's simplified API (image.h), which turns any
// colour type, bit depth, palette or tRNS chunk into 8-bit RGBA.
#include "core/image.h"

#include <png.h>
#include <sodium.h>

#include <memory>

namespace vanban::image {

namespace {

std::string KindOf(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return "a JPEG file";
  if (starts("GIF8")) return "a GIF file";
  if (starts("%PDF-")) return "a PDF file";
  if (starts("BM")) return "a BMP file";
  if (starts("RIFF") && b.substr(8, 4) == "WEBP") return "a WebP file";
  if (starts("<svg") || starts("<?xml")) return "an SVG or XML file";
  return "not a PNG file";
}

}  // namespace

Result<Raster> ReadPng(std::string_view png) {
  if (png.empty()) return Status::BadInput("the image is empty");
  if (png.size() > kMaxPngBytes)
    return Status::BadInput("the image is " + std::to_string(png.size() / 1024) + " KiB; at most " +
                            std::to_string(kMaxPngBytes / 1024) + " KiB (save it smaller, e.g. 600 pixels wide)");
  if (png.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(png.data()), 0, 8) != 0) {
    std::string kind = KindOf(png);
    return Status::BadInput("the image must be a PNG (with a transparent background); this is " + kind);
  }
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  // png_image_free releases libpng's state on every path, error or not.
  std::unique_ptr<png_image, void (*)(png_image*)> hold(&img, png_image_free);
  if (!png_image_begin_read_from_memory(&img, png.data(), png.size()))
    return Status::BadInput(std::string("the PNG cannot be read: ") + img.message);
  if (img.width < kMinSide || img.height < kMinSide || img.width > kMaxSide || img.height > kMaxSide)
    return Status::BadInput("the PNG is " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                            " pixels; each side must be " + std::to_string(kMinSide) + " to " + std::to_string(kMaxSide));
  img.format = PNG_FORMAT_RGBA;
  std::string rgba(PNG_IMAGE_SIZE(img), '\0');
  if (!png_image_finish_read(&img, nullptr, rgba.data(), 0, nullptr))
    return Status::BadInput(std::string("the PNG is damaged: ") + img.message);
  Raster r;
  r.width = img.width;
  r.height = img.height;
  const size_t n = static_cast<size_t>(r.width) * r.height;
  r.rgb.resize(n * 3);
  r.alpha.resize(n);
  bool opaque = true;
  for (size_t i = 0; i < n; ++i) {
    r.rgb[3 * i] = rgba[4 * i];
    r.rgb[3 * i + 1] = rgba[4 * i + 1];
    r.rgb[3 * i + 2] = rgba[4 * i + 2];
    r.alpha[i] = rgba[4 * i + 3];
    opaque = opaque && static_cast<uint8_t>(rgba[4 * i + 3]) == 0xFF;
  }
  if (opaque) r.alpha.clear();
  return r;
}

std::string ToText(std::string_view png) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(png.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(png.data()), png.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<std::string> FromText(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return Status::BadInput("the image is not base64 text");
  out.resize(len);
  return out;
}

}  // namespace vanban::image
