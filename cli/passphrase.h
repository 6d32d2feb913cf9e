// vanban/cli — where a passphrase (or a token's PIN) comes from: --passphrase-file FILE, else
// $VANBAN_PASSPHRASE, else a prompt on the terminal (echo off); with none of these
// the action fails with exit 2 and says why. Read lazily, only when a key is unlocked.
#pragma once

#include <string>

#include "core/node.h"

namespace vanban::cli {

// `file` empty: environment, then terminal. `label` names whose passphrase it is.
PassphraseSource PassphraseFrom(const std::string& file, const std::string& env_var, const std::string& label);
// A token's PIN (token.h), by the same rules: --pin-file FILE, else $VANBAN_PIN, else a prompt.
PassphraseSource PinFrom(const std::string& file, const std::string& label);

}  // namespace vanban::cli
