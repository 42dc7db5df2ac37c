#pragma once

// From what Beast parsed to what handlers read: kept apart from the server (sockets,
// TLS) so that the fuzzer runs this very code (fuzz/http_request_fuzz.cpp).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "codecs/result.hpp"
#include "http/http_types.hpp"

namespace cohort::http {

/// The handlers' request: method, path and query split at '?', header names lower-cased,
/// the body moved; `remote` is the peer's address.
http_request to_request(boost::beast::http::request<boost::beast::http::string_body>&& in,
                        std::string remote);

/// The body as plain bytes: gunzipped when `Content-Encoding: gzip` (413 past
/// `max_bytes`, 400 when corrupt), 415 for any other encoding.
result<std::string> plain_body(http_request& req, std::size_t max_bytes);

/// A write-keyed request (ingest, outcomes): its plain body, and the write key of its
/// `Authorization: Basic` header when it has one (a key in the body is the caller's to
/// check). Fails 401 when that header's key is not one of `keys`, else as plain_body.
struct keyed_body {
  std::optional<std::string> basic;
  std::string body;
};
result<keyed_body> read_keyed_body(http_request& req, const std::vector<std::string>& keys,
                                   std::size_t max_bytes);

} // namespace cohort::http
