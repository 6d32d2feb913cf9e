// Test helper for the signature images (tests/e2e/images.sh):
//   vanban_test_png signature OUT.png     a blue signature on a transparent background
//   vanban_test_png seal OUT.png          a red seal ring on a transparent background
//   vanban_test_png count PAGE.ppm X0 Y0 X1 Y1
//       counts the red and the blue pixels of a binary PPM (pdftoppm) in the
//       rectangle [X0,X1) x [Y0,Y1), pixels from the top left: "red N blue M"
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "tests/tools/png_maker.h"

namespace {

int Usage() {
  std::cerr << "usage: vanban_test_png signature|seal OUT.png | count PAGE.ppm X0 Y0 X1 Y1\n";
  return 2;
}

int Count(const char* path, long x0, long y0, long x1, long y1) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  long w = 0, h = 0, max = 0;
  in >> magic >> w >> h >> max;
  in.get();
  if (!in || magic != "P6" || max != 255) {
    std::cerr << path << ": not a binary 8-bit PPM\n";
    return 1;
  }
  std::string px(static_cast<size_t>(w * h * 3), '\0');
  in.read(px.data(), static_cast<std::streamsize>(px.size()));
  if (!in) {
    std::cerr << path << ": truncated\n";
    return 1;
  }
  long red = 0, blue = 0;
  for (long y = std::max(0L, y0); y < std::min(h, y1); ++y)
    for (long x = std::max(0L, x0); x < std::min(w, x1); ++x) {
      const auto* p = reinterpret_cast<const unsigned char*>(&px[static_cast<size_t>((y * w + x) * 3)]);
      if (p[0] > 150 && p[1] < 110 && p[2] < 110) ++red;
      if (p[2] > 150 && p[0] < 110 && p[1] < 130) ++blue;
    }
  std::cout << "red " << red << " blue " << blue << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::string what = argv[1];
  if (what == "count") {
    if (argc != 7) return Usage();
    return Count(argv[2], std::atol(argv[3]), std::atol(argv[4]), std::atol(argv[5]), std::atol(argv[6]));
  }
  if (argc != 3) return Usage();
  std::string png;
  if (what == "signature") png = vanban::testing::SignaturePng();
  else if (what == "seal") png = vanban::testing::SealPng();
  else return Usage();
  std::ofstream out(argv[2], std::ios::binary);
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  return out ? 0 : 1;
}
