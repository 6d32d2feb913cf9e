// vanban/web (internal) — refusals in Vietnamese: the web's side of core/reason.h.
//
// A table in code rather than a gettext catalogue: the web is the one place that
// speaks Vietnamese, its pages are written in Vietnamese directly, and a table lets
// a unit test prove that every reason core gives has its form here with the same
// arguments (tests/web/reasons_test.cc).
#pragma once

#include <string>
#include <string_view>

#include "core/reason.h"

namespace vanban::web {

// The Vietnamese form of reason `id`; empty when there is none.
std::string_view VietnameseForm(std::string_view id);
// Every id this table phrases (to find forms no reason uses any more).
std::vector<std::string_view> VietnameseIds();
// The reason in Vietnamese, its role, state and action arguments in Vietnamese words.
std::string Vietnamese(const Reason& r);
// A failure as a person reads it on the web: a reason in Vietnamese, else the message.
std::string Said(const Status& s);

}  // namespace vanban::web
