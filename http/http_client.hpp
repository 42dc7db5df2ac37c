#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "codecs/result.hpp"

namespace cohort::http {

/// A response as the client sees it.
struct client_response {
  unsigned status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Names lower-cased.
  std::string header(const std::string& name) const;
};

/// A blocking HTTP/1.1 client over one keep-alive connection, for cohortctl and tests.
/// Every call has a deadline; on a broken connection it reconnects once.
class http_client {
public:
  /// `base_url` is "http://host:port"; fails on anything else.
  static result<std::unique_ptr<http_client>> connect(const std::string& base_url,
                                                      std::chrono::milliseconds timeout);
  ~http_client();

  /// Sends one request; extra headers as {name, value}. Fails with the I/O reason.
  result<client_response> request(const std::string& method, const std::string& target,
                                   const std::string& body = {},
                                   const std::vector<std::pair<std::string, std::string>>&
                                     headers = {});

private:
  http_client();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort::http
