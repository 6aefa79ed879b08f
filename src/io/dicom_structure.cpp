#include "detail/dicom_structure.hpp"

#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmVR.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kUndefinedLength = 0xFFFFFFFFu;
// Real files nest a few levels; the bound keeps a hostile file from exhausting the stack.
constexpr int kMaxDepth = 64;
constexpr const char* kDeflated = "1.2.840.10008.1.2.1.99";
constexpr const char* kImplicitLittle = "1.2.840.10008.1.2";
constexpr const char* kExplicitBig = "1.2.840.10008.1.2.2";
constexpr const char* kRleLossless = "1.2.840.10008.1.2.5";

struct Tag {
  std::uint16_t group = 0, element = 0;
  bool is(std::uint16_t g, std::uint16_t e) const { return group == g && element == e; }
};

std::string tag_text(const Tag& tag) {
  char text[16];
  std::snprintf(text, sizeof text, "(%04X,%04X)", tag.group, tag.element);
  return text;
}

bool is_vr(const unsigned char* vr) {
  return std::isupper(vr[0]) != 0 && std::isupper(vr[1]) != 0;
}

// Every VR of PS3.5 6.2. GDCM reads an element with another VR again as implicit VR, taking
// the VR bytes as part of a 4-byte length: this walk and GDCM would then disagree on every
// length after it.
bool is_known_vr(const std::string& vr) {
  static const char* const kKnown[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL",
                                       "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
                                       "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC",
                                       "UI", "UL", "UN", "UR", "US", "UT", "UV"};
  for (const char* candidate : kKnown) {
    if (vr == candidate) return true;
  }
  return false;
}

// GDCM reads the image's attributes (group 0028, position, orientation, slice spacing)
// through typed gdcm::Attribute<>s, which assert (abort) when an element's explicit VR is
// not compatible with the dictionary's: such an element is refused here. UN is left alone.
bool vr_contradicts_dictionary(const Tag& tag, const std::string& vr) {
  static const Tag kTypedOutside0028[] = {{0x0018, 0x0050}, {0x0018, 0x0088}, {0x0018, 0x1164},
                                          {0x0020, 0x0013}, {0x0020, 0x0032}, {0x0020, 0x0037},
                                          {0x3004, 0x000C}};
  bool typed = tag.group == 0x0028;
  for (const Tag& other : kTypedOutside0028) typed = typed || other.is(tag.group, tag.element);
  if (!typed || vr == "UN") return false;
  const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
  const gdcm::VR expected = dict.GetDictEntry(gdcm::Tag(tag.group, tag.element)).GetVR();
  if (expected == gdcm::VR::INVALID || expected == gdcm::VR::UN) return false;  // not listed
  return !expected.Compatible(gdcm::VR(gdcm::VR::GetVRType(vr.c_str())));
}

// VRs whose explicit encoding has a reserved 2 bytes and a 4-byte length (PS3.5 7.1.2).
bool has_long_length(const std::string& vr) {
  static const char* const kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                      "SV", "UC", "UN", "UR", "UT", "UV"};
  for (const char* candidate : kLong) {
    if (vr == candidate) return true;
  }
  return false;
}

class StructureWalker {
 public:
  explicit StructureWalker(const fs::path& path) : in_(path, std::ios::binary) {
    std::error_code ec;
    size_ = fs::file_size(path, ec);
    if (ec) in_.close();
  }

  std::string walk() {
    if (!in_.is_open()) return {};  // the reader reports missing or unreadable files
    unsigned char preamble[132];
    if (size_ >= 132 && read(0, preamble, 132) && std::memcmp(preamble + 128, "DICM", 4) == 0) {
      pos_ = 132;
      // PS3.10 7.1: file meta information follows the prefix. Without it GDCM guesses an
      // encoding; a guess at a 2 KB file took over a minute and gigabytes.
      unsigned char group[2];
      if (size_ < 134 || !read(132, group, 2) || (group[0] | (group[1] << 8)) != 0x0002) {
        return "the DICM prefix is not followed by file meta information (group 0002)";
      }
      if (!meta_group()) return fault_;
      if (syntax_ == kDeflated) return {};  // offsets are in the inflated stream
    } else {
      // No preamble: judge only what starts like a little endian data set.
      unsigned char head[8] = {};
      if (size_ < 2 || !read(0, head, size_ < 8 ? static_cast<std::size_t>(size_) : 8)) return {};
      const unsigned group = head[0] | (head[1] << 8);
      // GDCM also parses a data set that starts with a command element (group 0000). Other
      // starts are refused: GDCM asserts on some of them (fuzzing found "(2900,574F) UN" cut
      // after its VR), and no reader writes them.
      if (group != 0x0000 && group != 0x0002 && group != 0x0008) {
        return concat(kNotDicom, ": no DICM preamble, and it does not start with a group 0000, ",
                      "0002 or 0008 element");
      }
      explicit_ = size_ >= 6 && is_vr(head + 4);
      // GDCM reads a leading group 0002 as file meta information, explicit or (as some GE
      // files have it) implicit VR, and asserts when the file ends in it.
      if (group == 0x0002) {
        if (!meta_group()) return fault_;
        if (syntax_ == kDeflated) return {};
      }
    }
    data_set(size_, false, 0);
    return fault_;
  }

 private:
  bool read(std::uint64_t at, unsigned char* out, std::size_t n) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(at));
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    return static_cast<bool>(in_);
  }
  std::uint16_t u16(const unsigned char* b) const {
    return static_cast<std::uint16_t>(little_ ? b[0] | (b[1] << 8) : (b[0] << 8) | b[1]);
  }
  std::uint32_t u32(const unsigned char* b) const {
    return little_ ? std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
                         std::uint32_t{b[3]} << 24
                   : std::uint32_t{b[3]} | std::uint32_t{b[2]} << 8 | std::uint32_t{b[1]} << 16 |
                         std::uint32_t{b[0]} << 24;
  }
  template <typename... Parts>
  bool fail(const Parts&... parts) {
    fault_ = concat(parts...);
    return false;
  }
  std::string where(std::uint64_t end) const {
    return end == size_ ? concat("the file ends at byte ", size_)
                        : concat("its enclosing item or sequence ends at byte ", end);
  }

  // The element header at pos_ (which must end by `end`); pos_ moves to its value. Item and
  // delimiter tags (group FFFE) and implicit VR elements leave `vr` empty.
  bool header(std::uint64_t end, Tag& tag, std::string& vr, std::uint32_t& length) {
    const std::uint64_t at = pos_;
    unsigned char h[12];
    if (end - pos_ < 8 || !read(pos_, h, 8)) {
      return fail("an element header at byte ", at, " is cut off: ", where(end));
    }
    tag = {u16(h), u16(h + 2)};
    vr.clear();
    // GDCM reads an element without a VR in an explicit VR data set in ways this walk cannot
    // follow (16-bit lengths, text taken as a 4-byte length and gigabytes allocated for it).
    if (tag.group != 0xFFFE && explicit_ && !is_vr(h + 4)) {
      return fail("element ", tag_text(tag), " at byte ", at,
                  " has no VR in an explicit VR data set");
    }
    if (tag.group != 0xFFFE && explicit_) {
      vr.assign(reinterpret_cast<const char*>(h + 4), 2);
      if (!is_known_vr(vr)) {
        return fail("element ", tag_text(tag), " at byte ", at, " has the unknown VR '", vr, "'");
      }
      if (vr_contradicts_dictionary(tag, vr)) {
        return fail("element ", tag_text(tag), " at byte ", at, " has VR ", vr,
                    ", which contradicts the DICOM dictionary");
      }
      if (has_long_length(vr)) {
        if (end - pos_ < 12 || !read(pos_ + 8, h + 8, 4)) {
          return fail("the header of element ", tag_text(tag), " at byte ", at,
                      " is cut off: ", where(end));
        }
        length = u32(h + 8);
        pos_ += 12;
        return true;
      }
      length = u16(h + 6);
      pos_ += 8;
      return true;
    }
    length = u32(h + 4);
    pos_ += 8;
    return true;
  }

  // Group 0002 (explicit little endian, unless a file without preamble has it implicit);
  // then the data set's transfer syntax (0002,0010) sets the byte order and VR encoding.
  bool meta_group() {
    std::string& syntax = syntax_;
    unsigned char group[2];
    while (size_ - pos_ >= 2 && read(pos_, group, 2) && (group[0] | (group[1] << 8)) == 0x0002) {
      const std::uint64_t at = pos_;
      Tag tag;
      std::string vr;
      std::uint32_t length = 0;
      if (!header(size_, tag, vr, length)) return false;
      // File meta elements hold values, never sequences; GDCM asserts on an SQ there.
      if (vr == "SQ") {
        return fail("file meta element ", tag_text(tag), " at byte ", at, " is a sequence");
      }
      if (length == kUndefinedLength || length > size_ - pos_) {
        return fail("file meta element ", tag_text(tag), " at byte ", at, " claims ", length,
                    " bytes, ", where(size_));
      }
      if (tag.is(0x0002, 0x0010) && length <= 64) {
        unsigned char uid[64];
        if (!read(pos_, uid, length)) return fail("cannot read the transfer syntax");
        syntax.assign(reinterpret_cast<const char*>(uid), length);
        while (!syntax.empty() && (syntax.back() == '\0' || syntax.back() == ' ')) {
          syntax.pop_back();
        }
      }
      pos_ += length;
    }
    // GDCM asserts on a file that stops within or right after its meta information.
    if (pos_ >= size_) return fail("the file ends in its file meta information, at byte ", size_);
    little_ = syntax != kExplicitBig;
    rle_ = syntax == kRleLossless;
    explicit_ = syntax != kImplicitLittle;
    return true;
  }

  // Elements from pos_ to `end`; an undefined-length item stops at its item delimiter.
  bool data_set(std::uint64_t end, bool until_delimiter, int depth) {
    while (pos_ < end) {
      const std::uint64_t at = pos_;
      Tag tag;
      std::string vr;
      std::uint32_t length = 0;
      if (!header(end, tag, vr, length)) return false;
      if (tag.is(0xFFFE, 0xE00D) && until_delimiter) return delimiter_is_empty(at, length);
      // Items and delimiters belong in sequences: GDCM asserts on one among the elements.
      if (tag.group == 0xFFFE) {
        return fail("unexpected ", tag_text(tag), " at byte ", at, " outside a sequence");
      }
      if (length == kUndefinedLength) {
        if (tag.group == 0xFFFE) {
          return fail("unexpected ", tag_text(tag), " of undefined length at byte ", at);
        }
        // Only sequences, encapsulated pixel data (OB, OW) and UN have undefined length;
        // GDCM asserts on another VR (Pixel Data mutated to OF did it).
        if (explicit_ && vr != "SQ" && vr != "UN" && vr != "OB" && vr != "OW") {
          return fail("element ", tag_text(tag), " at byte ", at, " has VR ", vr,
                      " and an undefined length");
        }
        if (tag.is(0x7FE0, 0x0010)) {
          if (!fragments(end)) return false;
          continue;
        }
        // A sequence; explicit UN of undefined length holds implicit little endian items.
        const bool was_explicit = explicit_;
        if (vr == "UN") explicit_ = false;
        const bool ok = sequence(end, true, depth + 1);
        explicit_ = was_explicit;
        if (!ok) return false;
        continue;
      }
      if (length > end - pos_) {
        return fail("element ", tag_text(tag), " at byte ", at, " claims ", length, " bytes, ",
                    where(end));
      }
      if (vr == "SQ") {
        if (!sequence(pos_ + length, false, depth + 1)) return false;
        continue;
      }
      if (!samples_per_pixel_supported(tag, length)) return false;
      if (depth == 0 && !recognition_code_supported(tag, length)) return false;
      pos_ += length;
    }
    if (until_delimiter) {
      return fail("a sequence item of undefined length has no item delimiter: ", where(end));
    }
    return true;
  }

  // Item and sequence delimiters have length 0 (PS3.5 7.5); GDCM reads the length of the
  // last one of encapsulated pixel data as a fragment's and allocates it (0x30000000 took
  // a 2 KB file 15 s).
  bool delimiter_is_empty(std::uint64_t at, std::uint32_t length) {
    if (length == 0) return true;
    return fail("the delimiter at byte ", at, " has length ", length, " instead of 0");
  }

  // GDCM's PixelFormat asserts (aborts) on a SamplesPerPixel other than 1, 3 or 4.
  bool samples_per_pixel_supported(const Tag& tag, std::uint32_t length) {
    if (!tag.is(0x0028, 0x0002) || length != 2) return true;
    unsigned char v[2];
    if (!read(pos_, v, 2)) return fail("cannot read SamplesPerPixel");
    const unsigned samples = u16(v);
    if (samples == 1 || samples == 3 || samples == 4) return true;
    return fail("SamplesPerPixel (0028,0002) is ", samples, "; images have 1, 3 or 4 samples");
  }

  // GDCM's image reader asserts (aborts) when the data set has a non-empty Recognition Code
  // (0008,0010, retired: ACR-NEMA files) that starts with none of "ACR-NEMA", "ACRNEMA" and
  // "MIPS 2.0"; it compares as many bytes as the prefix has, so a shorter value is refused
  // too (GDCM would read past it).
  bool recognition_code_supported(const Tag& tag, std::uint32_t length) {
    if (!tag.is(0x0008, 0x0010) || length == 0) return true;
    unsigned char v[8] = {};
    const std::uint32_t got = std::min<std::uint32_t>(length, sizeof v);
    if (!read(pos_, v, got)) return fail("cannot read Recognition Code (0008,0010)");
    const std::string_view value(reinterpret_cast<const char*>(v), got);
    for (const std::string_view prefix : {"ACR-NEMA", "ACRNEMA", "MIPS 2.0"}) {
      if (value.substr(0, prefix.size()) == prefix) return true;
    }
    return fail("Recognition Code (0008,0010) is not an ACR-NEMA code");
  }

  // The items of a sequence: up to `end` when its length is defined, else up to its
  // sequence delimiter (before `end`).
  bool sequence(std::uint64_t end, bool undefined, int depth) {
    if (depth > kMaxDepth) return fail("sequences nest deeper than ", kMaxDepth, " levels");
    while (undefined || pos_ < end) {
      const std::uint64_t at = pos_;
      unsigned char h[8];
      if (end - pos_ < 8 || !read(pos_, h, 8)) {
        return fail(undefined ? "a sequence of undefined length has no sequence delimiter: "
                              : "a sequence item header is cut off: ",
                    where(end));
      }
      const Tag tag{u16(h), u16(h + 2)};
      const std::uint32_t length = u32(h + 4);
      pos_ += 8;
      if (tag.is(0xFFFE, 0xE0DD)) {
        if (!delimiter_is_empty(at, length)) return false;
        if (undefined) return true;
        continue;
      }
      if (!tag.is(0xFFFE, 0xE000)) {
        return fail("expected a sequence item at byte ", at, ", found ", tag_text(tag));
      }
      if (length == kUndefinedLength) {
        if (!data_set(end, true, depth)) return false;
        continue;
      }
      if (length > end - pos_) {
        return fail("a sequence item at byte ", at, " claims ", length, " bytes, ", where(end));
      }
      if (!data_set(pos_ + length, false, depth)) return false;
    }
    return true;
  }

  // Encapsulated (compressed) pixel data: the offset table and fragments as items, then a
  // sequence delimiter.
  bool fragments(std::uint64_t end) {
    for (int item = 0;; ++item) {
      const std::uint64_t at = pos_;
      unsigned char h[8];
      if (end - pos_ < 8 || !read(pos_, h, 8)) {
        return fail("the encapsulated pixel data has no sequence delimiter: ", where(end));
      }
      const Tag tag{u16(h), u16(h + 2)};
      const std::uint32_t length = u32(h + 4);
      pos_ += 8;
      if (tag.is(0xFFFE, 0xE0DD)) return delimiter_is_empty(at, length);
      if (!tag.is(0xFFFE, 0xE000) || length == kUndefinedLength) {
        return fail("expected a pixel data fragment at byte ", at, ", found ", tag_text(tag));
      }
      if (length > end - pos_) {
        return fail("a pixel data fragment at byte ", at, " claims ", length, " bytes, ",
                    where(end));
      }
      // Item 0 is the offset table; every later one holds one RLE frame.
      if (rle_ && item > 0 && !rle_header_fits(at, length)) return false;
      pos_ += length;
    }
  }

  // An RLE frame starts with a 64-byte header: the segment count (at most 15) and each
  // segment's offset in the frame. GDCM reads the offsets of as many segments as the count
  // claims from a 15-entry array (a count of 5963780 made it crash) and trusts them.
  bool rle_header_fits(std::uint64_t at, std::uint32_t length) {
    unsigned char h[64];
    if (length < 64 || !read(pos_, h, 64)) {
      return fail("the RLE frame at byte ", at, " is shorter than its 64-byte header");
    }
    const std::uint32_t segments = u32(h);
    if (segments < 1 || segments > 15) {
      return fail("the RLE frame at byte ", at, " claims ", segments, " segments (1 to 15)");
    }
    std::uint32_t previous = 64;
    for (std::uint32_t s = 0; s < segments; ++s) {
      const std::uint32_t offset = u32(h + 4 + 4 * s);
      if (offset < previous || offset > length) {
        return fail("segment ", s, " of the RLE frame at byte ", at, " starts at ", offset,
                    ", outside the frame's ", length, " bytes");
      }
      previous = offset;
    }
    return true;
  }

  std::ifstream in_;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;
  bool little_ = true;
  bool explicit_ = true;
  bool rle_ = false;
  std::string syntax_;  // TransferSyntaxUID, when the file has file meta information
  std::string fault_;
};

}  // namespace

std::string dicom_structure_fault(const fs::path& path) { return StructureWalker(path).walk(); }

}  // namespace medimg::detail
