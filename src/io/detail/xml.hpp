#pragma once

// A small XML reader for the annotation files medimg reads (LIDC-IDRI reads). It builds a
// tree of elements with their text; attributes, comments, processing instructions and
// DOCTYPE are skipped, namespace prefixes dropped. Enough for data files, not a validator.

#include <memory>
#include <string>
#include <vector>

namespace medimg::detail {

struct XmlElement {
  std::string name;  ///< local name, without a namespace prefix
  std::string text;  ///< the character data directly inside, entities decoded, trimmed
  std::vector<std::unique_ptr<XmlElement>> children;

  /// The first child called `child`, or nullptr.
  const XmlElement* find(const std::string& child) const;
  /// Every child called `child`, in document order.
  std::vector<const XmlElement*> all(const std::string& child) const;
  /// The text of the first child called `child`, or "" when there is none.
  std::string text_of(const std::string& child) const;
};

/// Parses `content`; `path` names the file in errors.
/// @throws FormatError on malformed XML (unclosed or mismatched tags, no root element).
std::unique_ptr<XmlElement> parse_xml(const std::string& content, const std::string& path);

}  // namespace medimg::detail
