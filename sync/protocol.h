// vanban/sync — the constants of the sync channel's wire format, in one place.
//
// The format itself (hello, auth, frames, refusals, limits and versions) is
// described in docs/sync-protocol.md; every number on the wire comes from here.
// Plain constants: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vanban::sync::wire {

// Hello: magic, version, node key (Ed25519), ephemeral key (X25519), nonce.
inline constexpr std::string_view kMagic = "vanban-sync";  // 11 bytes, no terminator
inline constexpr size_t kMagicBytes = 11;
inline constexpr uint8_t kVersion = 1;        // the only version this build speaks
inline constexpr uint8_t kRefusalVersion = 0; // "version 0": a refusal follows instead of a hello
inline constexpr size_t kPrefixBytes = kMagicBytes + 1;          // magic + version
inline constexpr size_t kHelloBodyBytes = 32 + 32 + 32;          // node key, ephemeral key, nonce
inline constexpr size_t kHelloBytes = kPrefixBytes + kHelloBodyBytes;  // 108

// Auth: one type byte, then a signature or a refusal.
inline constexpr uint8_t kAuthRefusal = 0x00;
inline constexpr uint8_t kAuthSignature = 0x01;
inline constexpr size_t kSignatureBytes = 64;

// A refusal: 2-byte big-endian length, then that many bytes of UTF-8 reason.
inline constexpr size_t kMaxReasonBytes = 1024;

// Domain separation: what each side signs, and the labels of the two key derivations.
inline constexpr std::string_view kClientSignLabel = "vanban-sync/1 client auth";
inline constexpr std::string_view kServerSignLabel = "vanban-sync/1 server auth";
inline constexpr std::string_view kClientToServerLabel = "vanban-sync/1 client->server";
inline constexpr std::string_view kServerToClientLabel = "vanban-sync/1 server->client";

// Frames: 4-byte big-endian ciphertext length, then secretstream ciphertext.
inline constexpr size_t kLengthBytes = 4;
inline constexpr size_t kStreamHeaderBytes = 24;  // crypto_secretstream_xchacha20poly1305_HEADERBYTES
inline constexpr size_t kStreamABytes = 17;       // crypto_secretstream_xchacha20poly1305_ABYTES

// One side's handshake on the wire: hello, auth, stream header (the server's alike).
inline constexpr size_t kHandshakeBytes = kHelloBytes + 1 + kSignatureBytes + kStreamHeaderBytes;  // 197

// Defaults of sync::Limits.
inline constexpr size_t kDefaultMaxFrame = 16u << 20;  // 16 MiB of plaintext
inline constexpr int kDefaultHandshakeSeconds = 5;  // a handshake is 2 round trips: seconds are plenty
inline constexpr int kDefaultIdleSeconds = 30;
inline constexpr size_t kDefaultMaxSessions = 256;
// Connections not yet past the handshake: their own budget, and at most this many from
// one address; beyond either, the oldest such connection makes room for the new one.
inline constexpr size_t kDefaultMaxHandshakes = 64;
inline constexpr size_t kDefaultMaxHandshakesPerAddress = 8;
// After a refusal or a final frame: how long at most to drain the peer before closing.
inline constexpr int kLingerMillis = 1000;

}  // namespace vanban::sync::wire
