#include "detail/xml.hpp"

#include <cctype>

#include "medimg/core/error.hpp"

namespace medimg::detail {

const XmlElement* XmlElement::find(const std::string& child) const {
  for (const auto& c : children) {
    if (c->name == child) return c.get();
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::all(const std::string& child) const {
  std::vector<const XmlElement*> found;
  for (const auto& c : children) {
    if (c->name == child) found.push_back(c.get());
  }
  return found;
}

std::string XmlElement::text_of(const std::string& child) const {
  const XmlElement* c = find(child);
  return c ? c->text : std::string();
}

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string decode_entities(const std::string& s) {
  static const std::pair<const char*, char> kEntities[] = {
      {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        const std::string e(entity);
        if (s.compare(i, e.size(), e) == 0) {
          out += c;
          i += e.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += s[i++];
  }
  return out;
}

std::string local_name(const std::string& name) {
  const auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

}  // namespace

std::unique_ptr<XmlElement> parse_xml(const std::string& content, const std::string& path) {
  std::vector<std::unique_ptr<XmlElement>> stack;
  std::unique_ptr<XmlElement> root;
  std::size_t i = 0;
  auto skip_past = [&](const char* end) {
    const auto at = content.find(end, i);
    MEDIMG_CHECK_FILE(at != std::string::npos, FormatError, path, "unterminated XML markup at byte ", i);
    i = at + std::string(end).size();
  };
  while (i < content.size()) {
    if (content[i] != '<') {
      const auto next = content.find('<', i);
      const std::string chunk = content.substr(i, next == std::string::npos ? std::string::npos : next - i);
      if (!stack.empty()) stack.back()->text += chunk;
      if (next == std::string::npos) break;
      i = next;
      continue;
    }
    if (content.compare(i, 4, "<!--") == 0) { skip_past("-->"); continue; }
    if (content.compare(i, 9, "<![CDATA[") == 0) {
      const auto end = content.find("]]>", i);
      MEDIMG_CHECK_FILE(end != std::string::npos, FormatError, path, "unterminated CDATA");
      if (!stack.empty()) stack.back()->text += content.substr(i + 9, end - i - 9);
      i = end + 3;
      continue;
    }
    if (content.compare(i, 2, "<?") == 0) { skip_past("?>"); continue; }
    if (content.compare(i, 2, "<!") == 0) { skip_past(">"); continue; }
    const auto close = content.find('>', i);
    MEDIMG_CHECK_FILE(close != std::string::npos, FormatError, path, "unterminated tag at byte ", i);
    std::string tag = content.substr(i + 1, close - i - 1);
    i = close + 1;
    if (!tag.empty() && tag[0] == '/') {  // end tag
      const std::string name = local_name(trim(tag.substr(1)));
      MEDIMG_CHECK_FILE(!stack.empty() && stack.back()->name == name, FormatError, path,
                        "XML end tag </", name, "> does not close ",
                        stack.empty() ? std::string("anything") : "<" + stack.back()->name + ">");
      std::unique_ptr<XmlElement> done = std::move(stack.back());
      stack.pop_back();
      done->text = trim(decode_entities(done->text));
      if (stack.empty()) {
        MEDIMG_CHECK_FILE(!root, FormatError, path, "XML has more than one root element");
        root = std::move(done);
      } else {
        stack.back()->children.push_back(std::move(done));
      }
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    auto element = std::make_unique<XmlElement>();
    const auto name_end = tag.find_first_of(" \t\r\n");
    element->name = local_name(tag.substr(0, name_end));
    MEDIMG_CHECK_FILE(!element->name.empty(), FormatError, path, "XML tag without a name");
    if (self_closing) {
      MEDIMG_CHECK_FILE(!stack.empty(), FormatError, path, "XML root element is empty");
      stack.back()->children.push_back(std::move(element));
    } else {
      stack.push_back(std::move(element));
    }
  }
  MEDIMG_CHECK_FILE(stack.empty(), FormatError, path, "XML ends inside <", stack.empty() ? "" : stack.back()->name, ">");
  MEDIMG_CHECK_FILE(root != nullptr, FormatError, path, "no XML root element");
  return root;
}

}  // namespace medimg::detail
