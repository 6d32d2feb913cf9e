// vanban/core — RFC 3161 time-stamps: over a signature's value (PAdES B-T, the
// signature-time-stamp) and over a whole revision (the document time-stamp,
// /SubFilter /ETSI.RFC3161), with libcrypto's TS (docs/certificates.md).
//
// Owns: the request, the check of a time-stamping authority's response against it,
// and what a token says (its time, the authority). The transport (HTTP to the
// authority) is the caller's: this module opens no socket.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban::timestamp {

struct Request {
  std::string der;      // TimeStampReq, to POST as application/timestamp-query
  std::string imprint;  // SHA-256 of the stamped data
  std::string nonce;    // 8 random bytes, big-endian
};
// A request for a time-stamp of SHA-256(data), with a fresh nonce, asking the
// authority to include its certificate in the token.
Request MakeRequest(std::string_view data);

// The TimeStampToken (a CMS ContentInfo, DER) of an authority's response to `req`:
// granted, over the request's imprint, with its nonce. Invalid with the reason (the
// authority's own status text when it refused) otherwise. The token's signature is
// checked by Read; whom to trust for it is the verifier's choice.
Result<std::string> TokenFrom(std::string_view response, const Request& req);

struct Stamp {
  int64_t time = 0;       // genTime, UTC seconds
  std::string authority;  // the TSA's certificate subject (CN, else O)
  std::string serial;     // the token's serial number, hex
  std::string certificate;                // the authority's certificate (DER), as the token carries it
  std::vector<std::string> certificates;  // every certificate the token carries (its chain), DER
};
// What a token says, once its CMS signature verifies with the certificate it carries
// and its imprint is SHA-256(data). Invalid with the reason otherwise.
Result<Stamp> Read(std::string_view token, std::string_view data);

}  // namespace vanban::timestamp
