#include "detail/npy_format.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>

#include "detail/zip_archive.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

constexpr bool kHostIsBigEndian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

// A Python literal as numpy writes it in a header: a string, True/False, an integer, or a
// tuple/list/dict of those.
struct Literal {
  enum class Kind { String, Bool, Int, Tuple, List, Dict } kind = Kind::Int;
  std::string text;
  bool flag = false;
  std::int64_t number = 0;
  std::vector<Literal> items;  // tuple and list items; dict keys and values alternate
};

class LiteralParser {
 public:
  LiteralParser(const std::string& text, const fs::path& path, const std::string& what)
      : text_(text), path_(path), what_(what) {}

  Literal parse_document() {
    Literal value = parse();
    skip_space();
    if (at_ != text_.size()) fail("unexpected text after the dictionary");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError(path_, concat(what_, ": malformed .npy header (", message, " at character ",
                                    at_, "): ", escaped(text_.substr(0, 200))));
  }

  void skip_space() {
    while (at_ < text_.size() && std::strchr(" \t\r\n", text_[at_]) != nullptr) ++at_;
  }

  bool accept(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  // Items up to `close`, separated by commas, with an optional trailing comma.
  std::vector<Literal> parse_sequence(char close, bool pairs) {
    std::vector<Literal> items;
    while (!accept(close)) {
      if (++depth_ > 32) fail("nesting too deep");
      items.push_back(parse());
      if (pairs) {
        if (!accept(':')) fail("expected ':'");
        items.push_back(parse());
      }
      --depth_;
      if (!accept(',')) {
        if (!accept(close)) fail(concat("expected ',' or '", close, "'"));
        break;
      }
    }
    return items;
  }

  Literal parse() {
    skip_space();
    if (at_ == text_.size()) fail("unexpected end");
    Literal value;
    const char c = text_[at_];
    if (c == '{' || c == '(' || c == '[') {
      ++at_;
      value.kind = c == '{' ? Literal::Kind::Dict : c == '(' ? Literal::Kind::Tuple
                                                             : Literal::Kind::List;
      value.items = parse_sequence(c == '{' ? '}' : c == '(' ? ')' : ']', c == '{');
    } else if (c == '\'' || c == '"') {
      const std::size_t end = text_.find(c, at_ + 1);
      if (end == std::string::npos) fail("unterminated string");
      value.kind = Literal::Kind::String;
      value.text = text_.substr(at_ + 1, end - at_ - 1);
      at_ = end + 1;
    } else if (text_.compare(at_, 4, "True") == 0 || text_.compare(at_, 5, "False") == 0) {
      value.kind = Literal::Kind::Bool;
      value.flag = text_[at_] == 'T';
      at_ += value.flag ? 4 : 5;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const bool negative = c == '-';
      if (negative) ++at_;
      if (at_ == text_.size() || text_[at_] < '0' || text_[at_] > '9') fail("expected a digit");
      std::int64_t number = 0;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
        if (number > (std::numeric_limits<std::int64_t>::max() - (text_[at_] - '0')) / 10) {
          fail("integer too large");
        }
        number = number * 10 + (text_[at_++] - '0');
      }
      if (at_ < text_.size() && text_[at_] == 'L') ++at_;  // Python 2 longs: (3L, 4L)
      value.number = negative ? -number : number;
    } else {
      fail("unexpected character '" + escaped(std::string(1, c)) + "'");
    }
    return value;
  }

  const std::string& text_;
  const fs::path& path_;
  const std::string& what_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

struct DtypeInfo {
  at::ScalarType stored;
  at::ScalarType dtype;
  bool complex;
};

// 'descr' without its byte-order character: kind letter and item size.
DtypeInfo dtype_info(char kind, const std::string& size, const std::string& descr,
                     const fs::path& path, const std::string& what) {
  const std::string code = kind + size;
  if (code == "b1") return {at::kByte, at::kBool, false};
  if (code == "i1") return {at::kChar, at::kChar, false};
  if (code == "u1") return {at::kByte, at::kByte, false};
  if (code == "i2") return {at::kShort, at::kShort, false};
  if (code == "u2") return {at::kShort, at::kInt, false};  // LibTorch has no uint16
  if (code == "i4") return {at::kInt, at::kInt, false};
  if (code == "u4") return {at::kInt, at::kLong, false};
  if (code == "i8") return {at::kLong, at::kLong, false};
  if (code == "f2") return {at::kHalf, at::kHalf, false};
  if (code == "f4") return {at::kFloat, at::kFloat, false};
  if (code == "f8") return {at::kDouble, at::kDouble, false};
  if (code == "c8") return {at::kComplexFloat, at::kComplexFloat, true};
  if (code == "c16") return {at::kComplexDouble, at::kComplexDouble, true};
  throw Unsupported(concat(path.string(), ": ", what, ": dtype '", escaped(descr),
                           "' is not supported; expected bool, int8/16/32/64, uint8/16/32, "
                           "float16/32/64 or complex64/128",
                           code == "u8" ? " (uint64 has no lossless LibTorch dtype)" : ""));
}

}  // namespace

int npy_length_size(const unsigned char* preamble, const fs::path& path,
                    const std::string& what) {
  if (std::memcmp(preamble, "\x93NUMPY", 6) != 0) {
    throw FormatError(path, what + ": not an .npy array (the \\x93NUMPY magic is missing)");
  }
  const int major = preamble[6], minor = preamble[7];
  if (major == 1) return 2;
  if (major == 2 || major == 3) return 4;
  throw Unsupported(concat(path.string(), ": ", what, ": .npy format version ", major, ".", minor,
                           " is not supported; expected 1.0, 2.0 or 3.0"));
}

NpyHeader parse_npy_header(const std::string& text, const fs::path& path,
                           const std::string& what) {
  const Literal dict = LiteralParser(text, path, what).parse_document();
  if (dict.kind != Literal::Kind::Dict) {
    throw FormatError(path, what + ": the .npy header is not a dictionary: " +
                                escaped(text.substr(0, 200)));
  }
  const Literal* descr = nullptr;
  const Literal* fortran = nullptr;
  const Literal* shape = nullptr;
  std::string keys;
  for (std::size_t k = 0; k < dict.items.size(); k += 2) {
    const Literal& key = dict.items[k];
    const Literal* value = &dict.items[k + 1];
    const std::string name = key.kind == Literal::Kind::String ? key.text : "?";
    keys += (keys.empty() ? "" : ", ") + name;
    if (name == "descr") {
      descr = value;
    } else if (name == "fortran_order") {
      fortran = value;
    } else if (name == "shape") {
      shape = value;
    } else {
      descr = fortran = shape = nullptr;
      break;
    }
  }
  if (descr == nullptr || fortran == nullptr || shape == nullptr || dict.items.size() != 6) {
    throw FormatError(path, what + ": the .npy header must have exactly the keys descr, "
                                   "fortran_order and shape, got " + escaped(keys));
  }
  if (descr->kind == Literal::Kind::List) {
    throw Unsupported(path.string() + ": " + what + ": structured dtypes are not supported");
  }
  if (descr->kind != Literal::Kind::String || descr->text.empty()) {
    throw FormatError(path, what + ": the .npy header's descr is not a dtype string");
  }
  if (fortran->kind != Literal::Kind::Bool) {
    throw FormatError(path, what + ": the .npy header's fortran_order is not True or False");
  }
  if (shape->kind != Literal::Kind::Tuple) {
    throw FormatError(path, what + ": the .npy header's shape is not a tuple");
  }

  NpyHeader header;
  header.descr = descr->text;
  header.fortran_order = fortran->flag;
  const std::string& d = header.descr;
  const bool has_order = std::strchr("<>|=", d[0]) != nullptr;
  const char order = has_order ? d[0] : '=';
  if (d.size() < (has_order ? 3u : 2u)) {
    throw Unsupported(concat(path.string(), ": ", what, ": dtype '", escaped(d),
                             "' is not supported"));
  }
  const DtypeInfo info =
      dtype_info(d[has_order ? 1 : 0], d.substr(has_order ? 2 : 1), d, path, what);
  header.stored = info.stored;
  header.dtype = info.dtype;
  header.item_size = static_cast<std::int64_t>(c10::elementSize(info.stored));
  const bool big = order == '>' || (order == '=' && kHostIsBigEndian);
  const bool little = order == '<' || (order == '=' && !kHostIsBigEndian);
  if (header.item_size > 1 && ((big && !kHostIsBigEndian) || (little && kHostIsBigEndian))) {
    header.swap_unit = info.complex ? header.item_size / 2 : header.item_size;
  }

  std::uint64_t count = 1;
  bool overflow = false;
  std::string dims;
  for (const Literal& dim : shape->items) {
    if (dim.kind != Literal::Kind::Int || dim.number < 0) {
      throw FormatError(path, what + ": the .npy header's shape holds something other than a "
                                     "non-negative integer");
    }
    header.shape.push_back(dim.number);
    dims += (dims.empty() ? "" : ", ") + std::to_string(dim.number);
    overflow = overflow ||
               __builtin_mul_overflow(count, static_cast<std::uint64_t>(dim.number), &count);
  }
  overflow = overflow ||
             __builtin_mul_overflow(count, static_cast<std::uint64_t>(header.item_size),
                                    &header.data_size) ||
             header.data_size >
                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (overflow) {
    throw FormatError(path, what + ": the .npy header's shape (" + dims + ") of '" + escaped(d) +
                                "' overflows 64-bit byte counts");
  }
  return header;
}

std::vector<std::int64_t> npy_storage_shape(const NpyHeader& header) {
  std::vector<std::int64_t> shape = header.shape;
  if (header.fortran_order) std::reverse(shape.begin(), shape.end());
  return shape;
}

at::Tensor finish_npy_array(at::Tensor raw, const NpyHeader& header) {
  if (header.swap_unit > 1) {
    auto* bytes = static_cast<unsigned char*>(raw.data_ptr());
    const auto size = static_cast<std::size_t>(header.data_size);
    const auto unit = static_cast<std::size_t>(header.swap_unit);
    for (std::size_t at = 0; at < size; at += unit) std::reverse(bytes + at, bytes + at + unit);
  }
  if (header.stored != header.dtype) {
    if (header.dtype == at::kBool) {
      raw = raw.ne(0);  // numpy reads any non-zero byte as True
    } else {
      // Sign-extended, then masked back to the unsigned value: 0xffff -> 65535.
      const std::int64_t mask = header.dtype == at::kInt ? 0xffff : 0xffffffffLL;
      raw = raw.to(header.dtype).bitwise_and_(mask);
    }
  }
  if (header.fortran_order && raw.dim() > 1) {
    std::vector<std::int64_t> reversed(static_cast<std::size_t>(raw.dim()));
    std::iota(reversed.rbegin(), reversed.rend(), 0);
    raw = raw.permute(reversed).contiguous();
  }
  return raw;
}

}  // namespace medimg::detail
