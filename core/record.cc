#include "core/record.h"

#include <algorithm>
#include <stdexcept>
#include <map>
#include <queue>

#include "core/clock.h"

#include "core/text.h"

namespace vanban {
namespace {

constexpr std::string_view kMagic = "vanban-record 1\n";

bool ValidKey(std::string_view k) {
  if (k.empty() || k.size() > 32 || k[0] < 'a' || k[0] > 'z') return false;
  if (k == "type" || k == "text" || k == "sig") return false;  // the format's own lines
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool ValidType(std::string_view t) {
  if (t.empty() || t.size() > 32) return false;
  for (char c : t) {
    if (!((c >= 'a' && c <= 'z') || c == '.' || c == '-')) return false;
  }
  return t.front() != '.' && t.back() != '.';
}

Status ValidValue(std::string_view v, std::string_view key) {
  if (v.empty()) return Status::BadInput("record: card '" + std::string(key) + "' has an empty value");
  if (v.size() > kMaxValueBytes) return Status::BadInput("record: card '" + std::string(key) + "' is too long");
  if (v.front() == ' ' || v.back() == ' ')
    return Status::BadInput("record: card '" + std::string(key) + "' has leading or trailing space");
  if (text::HasControl(v)) return Status::BadInput("record: card '" + std::string(key) + "' has a control character");
  bool quick_nfc = false;
  Status utf8 = text::CheckUtf8(v, &quick_nfc);
  if (!utf8.ok()) return utf8.With("record: card '" + std::string(key) + "'");
  if (quick_nfc) return Status::Ok();  // NFC for certain: no copy to compare
  auto nfc = text::Normalize(v);
  if (!nfc.ok()) return nfc.status().With("record: card '" + std::string(key) + "'");
  if (*nfc != v) return Status::BadInput("record: card '" + std::string(key) + "' is not in Unicode NFC");
  return Status::Ok();
}

}  // namespace

void Record::Add(std::string key, std::string value) {
  if (key == "by") author_known_ = false;
  cards_.push_back({std::move(key), std::move(value)});
}

void Record::SetAuthor(const PublicKey& pk) {
  std::erase_if(cards_, [](const Card& c) { return c.key == "by"; });
  cards_.push_back({"by", ToHex(pk)});
  author_ = pk;
  author_known_ = true;
}

std::string Record::Unsigned() const {
  std::string out(kMagic);
  out += "type " + type_ + "\n";
  for (const Card& c : cards_) out += c.key + " " + c.value + "\n";
  if (text_) {
    out += "text " + std::to_string(text_->size()) + "\n";
    out += *text_;
    out += "\n";
  }
  return out;
}

Status Record::Sign(const SecretKey& key) {
  SetAuthor(key.public_key());
  std::sort(cards_.begin(), cards_.end());
  if (!ValidType(type_)) throw std::logic_error("Record::Sign: bad type '" + type_ + "'");
  for (size_t i = 0; i < cards_.size(); ++i) {
    if (!ValidKey(cards_[i].key)) throw std::logic_error("Record::Sign: bad key '" + cards_[i].key + "'");
    VB_RETURN_IF_ERROR(ValidValue(cards_[i].value, cards_[i].key));
    if (i > 0 && cards_[i] == cards_[i - 1])
      throw std::logic_error("Record::Sign: duplicate card '" + cards_[i].key + "'");
  }
  if (text_) {
    if (text_->size() > kMaxTextBytes) return Status::BadInput("record: text is larger than 10 MiB");
    VB_ASSIGN_OR_RETURN(std::string nfc, text::Normalize(*text_));
    if (nfc != *text_) throw std::logic_error("Record::Sign: text is not NFC");
  }
  std::string body = Unsigned();
  sig_ = key.Sign(body);
  bytes_ = body + "sig " + ToHex(sig_) + "\n";
  if (bytes_.size() > kMaxRecordBytes) return Status::BadInput("record: larger than 16 MiB");
  if (!VerifySignature()) throw std::logic_error("Record::Sign: own signature does not verify");
  id_ = crypto::Blake2b(bytes_);
  return Status::Ok();
}

Result<Record> Record::Decode(std::string_view b) {
  auto bad = [](const std::string& why) { return Status::BadInput("malformed record: " + why); };
  if (b.size() > kMaxRecordBytes) return bad("larger than 16 MiB");
  if (b.substr(0, kMagic.size()) != kMagic) return bad("does not start with 'vanban-record 1'");
  size_t pos = kMagic.size();
  auto next_line = [&](std::string_view* line) -> bool {
    size_t nl = b.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    *line = b.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  Record r;
  std::string_view line;
  if (!next_line(&line) || line.substr(0, 5) != "type ") return bad("second line must be 'type TYPE'");
  r.type_ = std::string(line.substr(5));
  if (!ValidType(r.type_)) return bad("bad type '" + r.type_ + "'");
  bool have_sig = false;
  while (next_line(&line)) {
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return bad("line without a space: '" + std::string(line.substr(0, 40)) + "'");
    std::string_view key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "sig") {
      if (!FromHex(value, &r.sig_)) return bad("sig must be 128 lowercase hex digits");
      have_sig = true;
      break;
    }
    if (r.text_) return bad("card '" + std::string(key) + "' after the text");
    if (key == "text") {
      const auto length = text::ParseDecimal(value, 999'999'999);
      if (!length) return bad("text length must be a decimal number without leading zeros");
      size_t n = *length;
      if (n > kMaxTextBytes) return bad("text is larger than 10 MiB");
      if (pos + n + 1 > b.size() || b[pos + n] != '\n') return bad("text is shorter than its length says");
      std::string_view t = b.substr(pos, n);
      bool quick_nfc = false;
      Status utf8 = text::CheckUtf8(t, &quick_nfc);
      if (!utf8.ok()) return bad("text: " + utf8.message());
      if (!quick_nfc) {
        auto nfc_or = text::Normalize(t);
        if (!nfc_or.ok()) return bad("text: " + nfc_or.status().message());
        if (*nfc_or != t) return bad("text is not in Unicode NFC");
      }
      r.text_ = std::string(t);
      pos += n + 1;
      continue;
    }
    if (!ValidKey(key)) return bad("bad card key '" + std::string(key.substr(0, 32)) + "'");
    if (Status s = ValidValue(value, key); !s.ok()) return bad(s.message().substr(8));
    Card c{std::string(key), std::string(value)};
    if (!r.cards_.empty() && !(r.cards_.back() < c))
      return bad(r.cards_.back() == c ? "duplicate card '" + c.key + "'" : "cards out of order at '" + c.key + "'");
    r.cards_.push_back(std::move(c));
  }
  if (!have_sig) return bad("no 'sig' line");
  if (pos != b.size()) return bad("bytes after the 'sig' line");
  size_t by_cards = 0;
  for (const Card& c : r.cards_) by_cards += c.key == "by";
  if (by_cards == 0) return bad("no 'by' card");
  PublicKey pk;
  if (!FromHex(r.Get("by"), &pk)) return bad("'by' must be 64 lowercase hex digits");
  if (by_cards != 1) return bad("more than one 'by' card");
  for (const Card& c : r.cards_) {
    RecordId id;
    if (c.key == "parent" && !FromHex(c.value, &id)) return bad("'parent' must be 64 lowercase hex digits");
  }
  r.author_ = pk;
  r.author_known_ = true;
  r.bytes_ = std::string(b);
  r.id_ = crypto::Blake2b(b);
  return r;
}

bool Record::VerifySignature() const {
  PublicKey pk = author();
  size_t sig_at = bytes_.rfind("sig ");
  if (sig_at == std::string::npos) return false;
  return crypto::Verify(pk, std::string_view(bytes_).substr(0, sig_at), sig_);
}

const std::string& Record::Get(std::string_view key) const {
  static const std::string kEmpty;
  for (const Card& c : cards_) if (c.key == key) return c.value;
  return kEmpty;
}

bool Record::Has(std::string_view key) const {
  return std::any_of(cards_.begin(), cards_.end(), [&](const Card& c) { return c.key == key; });
}

std::vector<std::string> Record::GetAll(std::string_view key) const {
  std::vector<std::string> out;
  for (const Card& c : cards_) if (c.key == key) out.push_back(c.value);
  return out;
}

PublicKey Record::author() const {
  if (author_known_) return author_;
  PublicKey pk{};
  FromHex(Get("by"), &pk);
  return pk;
}

std::vector<RecordId> Record::parents() const {
  std::vector<RecordId> out;
  for (const Card& c : cards_) {
    if (c.key != "parent") continue;
    RecordId id;
    if (FromHex(c.value, &id)) out.push_back(id);
  }
  return out;
}

std::vector<size_t> CausalOrder(const std::vector<Record>& records) {
  std::map<RecordId, size_t> index;
  std::vector<int64_t> at(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    index[records[i].id()] = i;
    auto t = ParseTimestamp(records[i].Get("at"));
    at[i] = t.ok() ? t->utc : 0;
  }
  std::vector<int> waiting(records.size(), 0);
  std::vector<std::vector<size_t>> children(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    for (const RecordId& p : records[i].parents()) {
      auto it = index.find(p);
      if (it == index.end()) continue;
      ++waiting[i];
      children[it->second].push_back(i);
    }
  }
  using Key = std::tuple<int64_t, RecordId, size_t>;
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready;
  for (size_t i = 0; i < records.size(); ++i)
    if (waiting[i] == 0) ready.push({at[i], records[i].id(), i});
  std::vector<size_t> order;
  order.reserve(records.size());
  while (!ready.empty()) {
    size_t i = std::get<2>(ready.top());
    ready.pop();
    order.push_back(i);
    for (size_t c : children[i])
      if (--waiting[c] == 0) ready.push({at[c], records[c].id(), c});
  }
  return order;
}

std::string EncodeRecordList(std::string_view magic, const std::vector<Record>& records) {
  std::string out(magic);
  for (const Record& r : records) {
    out += "record " + std::to_string(r.bytes().size()) + "\n";
    out += r.bytes();
  }
  return out;
}

Result<std::vector<std::string>> SplitRecordList(std::string_view magic, std::string_view bytes,
                                                 std::string_view what) {
  std::string w(what);
  if (bytes.substr(0, magic.size()) != magic)
    return Status::BadInput("not " + w + " (no '" + std::string(magic.substr(0, magic.size() - 1)) + "' line)");
  std::vector<std::string> parts;
  size_t pos = magic.size();
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos || bytes.compare(pos, 7, "record ") != 0)
      return Status::BadInput(w + ": expected 'record LEN' at byte " + std::to_string(pos));
    std::string_view digits = bytes.substr(pos + 7, nl - pos - 7);
    const auto length = text::ParseDecimal(digits, 999'999'999);
    if (!length) return Status::BadInput(w + ": bad length at byte " + std::to_string(pos));
    size_t len = *length;
    if (len > bytes.size() - nl - 1) return Status::BadInput(w + " is truncated");
    parts.emplace_back(bytes.substr(nl + 1, len));
    pos = nl + 1 + len;
  }
  return parts;
}

}  // namespace vanban
