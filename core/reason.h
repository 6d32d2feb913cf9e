// vanban/core — why an action was refused, as data (docs/architecture.md, "Failures").
//
// A refusal carries a reason id and its arguments by name; each interface phrases
// it in its language. Core holds the English forms (the CLI's wording, which
// scripts read, and Status::message()); the web holds the Vietnamese ones
// (web/reasons.cc) and its tests prove every id here has one, with the same
// arguments. A form names an argument as "{name}". Arguments named role, state,
// states (" or "-separated) and action hold the words of core's tables (RoleName,
// StateName, Rules) so that an interface can put them in its own words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban {

struct ReasonForm {
  std::string_view id;
  std::string_view english;
};

// Every reason core may give, in a fixed order.
const std::vector<ReasonForm>& ReasonForms();

// The English form of `id`; empty if there is no such id.
std::string_view EnglishForm(std::string_view id);

// `form` with every "{name}" replaced by the argument `name` of `r` (an argument
// the reason lacks stays as "{name}", which the forms' test catches).
std::string Phrase(std::string_view form, const Reason& r);

// The names a form uses, in order of first use.
std::vector<std::string> FormArguments(std::string_view form);

}  // namespace vanban
