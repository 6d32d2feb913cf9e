// vanban/sync — asking a time-stamping authority over HTTP (RFC 3161 section 3.4).
//
// Owns the one exchange: POST the query (application/timestamp-query) to the
// authority's URL and read its answer (application/timestamp-reply), within a time
// limit. http:// only, as authorities publish it: the token is signed, so the
// channel need not be. What the query and answer mean is pdf/timestamp.h's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vanban::sync {

// Peer when the authority cannot be reached, does not answer in `timeout`, or
// answers other than 200 with a time-stamp reply; BadInput for a URL that is not
// http://HOST[:PORT][/PATH].
Result<std::string> AskTimeStampAuthority(const std::string& url, const std::string& query,
                                          std::chrono::milliseconds timeout);

// The authority's RFC 3161 token over `data`: the request, the exchange, and the
// check of the answer against the request (core/timestamp.h). Peer or Invalid with
// the reason when there is none.
Result<std::string> TimeStampOf(const std::string& url, std::string_view data, std::chrono::milliseconds timeout);

// What the signed-copy maker calls for each standard signature (pdf/cms.h
// SignatureStamper): the token over the signature value from the authority at `url`,
// or nullopt when it gives none; `failure` then says why (the signature stays
// PAdES B-B, and the caller says so).
std::function<std::optional<std::string>(std::string_view)> Stamper(std::string url,
                                                                    std::shared_ptr<std::string> failure);

// How long a signer waits for the authority before signing without its time-stamp.
inline constexpr std::chrono::seconds kTimeStampTimeout{8};

}  // namespace vanban::sync
