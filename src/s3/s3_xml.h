// S3Xml: the little XML the S3 API speaks — reading the elements of a
// response (ListObjectsV2, errors, multipart) and escaping text for request
// bodies (DeleteObjects, CompleteMultipartUpload). Not a general XML parser:
// S3 responses are flat, have no attributes we need, no CDATA and no
// comments, and an element never contains another of the same name.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::s3 {

/// The raw contents of every `<tag>...</tag>` (or `<tag attr=...>`) in
/// `xml`, in order, not decoded; `<tag/>` gives an empty string.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag);

/// The decoded text of the first `<tag>` in `xml`, or nullopt.
std::optional<std::string> XmlText(std::string_view xml, std::string_view tag);

/// Decodes the five predefined entities and numeric references (&#38; &#x26;).
std::string XmlDecode(std::string_view text);

/// Escapes & < > " ' for element text.
std::string XmlEscape(std::string_view text);

}  // namespace strata::s3
