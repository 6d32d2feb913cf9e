// vanban/pdf (internal) — slimming the TrueType subsets PoDoFo embeds.
//
// PoDoFo 0.9.8 keeps a subset's glyph ids (the content streams address glyphs by
// their ids in the full font, CIDToGIDMap /Identity), so its loca and hmtx keep
// one entry per glyph up to the highest id used, with the full font's advances,
// and it keeps the hinting (fpgm, prep, cvt, glyph instructions). Hinting does
// nothing for a PDF read on screen or printed at 300 dpi and more. SlimTrueType
// drops it, zeroes the metrics of glyphs that are not in the subset and rewrites
// the font with long loca offsets and fresh checksums: about a third of the bytes.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace vanban::pdf::internal {

Result<std::string> SlimTrueType(std::string_view ttf);

// The whole font without its hinting, every glyph's metrics kept and glyph ids
// unchanged: what Render subsets from. PoDoFo copies the font program for every
// subset it builds, and the hinting is most of the glyf table's bytes; the
// subsets SlimTrueType then makes are the same, byte for byte.
Result<std::string> StripHinting(std::string_view ttf);

}  // namespace vanban::pdf::internal
