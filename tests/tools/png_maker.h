// PNG files for the tests of the signature images (core/image.h), written with
// libpng: a blue handwritten-like stroke and a red seal ring on transparent
// backgrounds, and any other colour type the tests need.
#pragma once

#include <png.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vanban::testing {

// `pixel(x, y)` gives RGBA; written as `color_type` (PNG_COLOR_TYPE_RGBA, _RGB, _GRAY…).
inline std::string MakePng(uint32_t w, uint32_t h, const std::function<uint32_t(uint32_t, uint32_t)>& pixel,
                           uint32_t format = PNG_FORMAT_RGBA) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = w;
  img.height = h;
  img.format = PNG_FORMAT_RGBA;
  std::string rgba(static_cast<size_t>(w) * h * 4, '\0');
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      uint32_t p = pixel(x, y);
      char* o = &rgba[(static_cast<size_t>(y) * w + x) * 4];
      o[0] = static_cast<char>(p >> 24);
      o[1] = static_cast<char>(p >> 16);
      o[2] = static_cast<char>(p >> 8);
      o[3] = static_cast<char>(p);
    }
  // Convert to the asked format through a second image (libpng converts on write).
  png_image out = img;
  out.format = format;
  std::string converted(PNG_IMAGE_SIZE(out), '\0');
  {
    png_image tmp{};
    tmp.version = PNG_IMAGE_VERSION;
    png_alloc_size_t n = 0;
    png_image_write_to_memory(&img, nullptr, &n, 0, rgba.data(), 0, nullptr);
    std::string bytes(n, '\0');
    png_image_write_to_memory(&img, bytes.data(), &n, 0, rgba.data(), 0, nullptr);
    if (format == PNG_FORMAT_RGBA) return bytes.substr(0, n);
    png_image_begin_read_from_memory(&tmp, bytes.data(), n);
    tmp.format = format;
    png_image_finish_read(&tmp, nullptr, converted.data(), 0, nullptr);
    png_image_free(&tmp);
  }
  png_alloc_size_t n = 0;
  png_image_write_to_memory(&out, nullptr, &n, 0, converted.data(), 0, nullptr);
  std::string bytes(n, '\0');
  png_image_write_to_memory(&out, bytes.data(), &n, 0, converted.data(), 0, nullptr);
  return bytes.substr(0, n);
}

// Ink laid along curves into a transparent canvas, then written as RGBA.
class Canvas {
 public:
  Canvas(uint32_t w, uint32_t h) : w_(w), h_(h), px_(static_cast<size_t>(w) * h, 0) {}
  // A pen of radius `r` along f(t), t in [0, 1].
  template <typename F>
  void Stroke(F f, double r, uint32_t rgba, int steps = 4000) {
    for (int i = 0; i <= steps; ++i) {
      auto [cx, cy] = f(static_cast<double>(i) / steps);
      for (int y = static_cast<int>(cy - r - 1); y <= static_cast<int>(cy + r + 1); ++y)
        for (int x = static_cast<int>(cx - r - 1); x <= static_cast<int>(cx + r + 1); ++x)
          if (x >= 0 && y >= 0 && x < static_cast<int>(w_) && y < static_cast<int>(h_) &&
              (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
            px_[static_cast<size_t>(y) * w_ + x] = rgba;
    }
  }
  void Fill(const std::function<bool(double, double)>& inside, uint32_t rgba) {
    for (uint32_t y = 0; y < h_; ++y)
      for (uint32_t x = 0; x < w_; ++x)
        if (inside(x + 0.5, y + 0.5)) px_[static_cast<size_t>(y) * w_ + x] = rgba;
  }
  std::string Png() const {
    return MakePng(w_, h_, [this](uint32_t x, uint32_t y) { return px_[static_cast<size_t>(y) * w_ + x]; });
  }

 private:
  uint32_t w_, h_;
  std::vector<uint32_t> px_;
};

inline constexpr uint32_t kSignatureBlue = 0x1A32C8FFu;
inline constexpr uint32_t kSealRed = 0xD01818FFu;

// A handwritten-like signature in blue on a transparent 400x160 field.
inline std::string SignaturePng() {
  constexpr double kPi = 3.14159265358979;
  Canvas c(400, 160);
  c.Stroke([&](double t) {
    return std::pair{30 + 320 * t + 22 * std::sin(10 * kPi * t),
                     80 - 38 * std::sin(3 * kPi * t) * (1 - 0.4 * t) + 18 * std::cos(10 * kPi * t)};
  }, 2.4, kSignatureBlue);
  c.Stroke([](double t) { return std::pair{60 + 290 * t, 138 - 14 * t + 6 * t * t}; }, 1.8, kSignatureBlue, 1000);
  return c.Png();
}

// A round seal in red on a transparent 300x300 field: two rings and a five-pointed star.
inline std::string SealPng() {
  constexpr double kPi = 3.14159265358979;
  Canvas c(300, 300);
  auto ring = [&](double r0, double r1) {
    c.Fill([=](double x, double y) {
      double r = std::hypot(x - 150, y - 150);
      return r >= r0 && r <= r1;
    }, kSealRed);
  };
  ring(136, 147);
  ring(98, 103);
  c.Fill([&](double x, double y) {
    // Inside the star: the point's angle picks its slice; its radius is under the
    // line from an outer point to the next inner one.
    double dx = x - 150, dy = 150 - y, r = std::hypot(dx, dy);
    if (r > 42) return false;
    double a = std::fmod(std::atan2(dy, dx) - kPi / 2 + 4 * kPi, 2 * kPi / 5);
    double half = kPi / 5, u = std::fabs(a - half) / half;  // 0 at an inner corner, 1 at a point
    double limit = 42 * 17 / (17 + (42 - 17) * (1 - u));
    return r <= limit;
  }, kSealRed);
  return c.Png();
}

}  // namespace vanban::testing
