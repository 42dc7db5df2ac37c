// RESP2 reply framing for cohort-baseline-redis: how many complete replies a read buffer
// holds, without copying them, so a pipeline of EVALSHA replies can be counted in place.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>

namespace cohort_bench {

/// What one reply was, as far as the benchmark cares.
enum class resp_kind { nil, value, error };

/// Scans RESP2 replies (+simple, -error, :integer, $bulk, *array, nested) one at a time.
/// `next` returns false while the buffer holds only part of a reply (read more and call
/// again with the grown buffer) and on a malformed reply, which `malformed()` then tells:
/// the connection cannot be resynchronised after that and must be dropped.
class resp_reader {
 public:
  /// On true, `end` is the offset just past the reply that starts at `from`.
  bool next(std::string_view buf, std::size_t from, std::size_t& end, resp_kind& kind) {
    malformed_ = false;
    return parse(buf, from, end, kind, 0);
  }
  bool malformed() const { return malformed_; }

 private:
  static constexpr int max_depth = 8;

  bool parse(std::string_view buf, std::size_t at, std::size_t& end, resp_kind& kind, int depth) {
    if (at >= buf.size())
      return false;
    const auto eol = buf.find("\r\n", at);
    if (eol == std::string_view::npos)
      return false;
    const char type = buf[at];
    const std::string_view line = buf.substr(at + 1, eol - at - 1);
    const std::size_t after = eol + 2;
    switch (type) {
      case '+':
      case ':':
        kind = resp_kind::value;
        end = after;
        return true;
      case '-':
        kind = resp_kind::error;
        end = after;
        return true;
      case '$': {
        long n = 0;
        if (!number(line, n))
          return fail();
        if (n < 0) {
          kind = resp_kind::nil;
          end = after;
          return true;
        }
        if (buf.size() < after + static_cast<std::size_t>(n) + 2)
          return false;
        kind = resp_kind::value;
        end = after + static_cast<std::size_t>(n) + 2;
        return true;
      }
      case '*': {
        long n = 0;
        if (!number(line, n) || depth >= max_depth)
          return fail();
        std::size_t pos = after;
        resp_kind inner = resp_kind::value;
        bool any_error = false;
        for (long i = 0; i < n; ++i) {
          if (!parse(buf, pos, pos, inner, depth + 1))
            return false;
          any_error = any_error || inner == resp_kind::error;
        }
        kind = n < 0 ? resp_kind::nil : any_error ? resp_kind::error : resp_kind::value;
        end = pos;
        return true;
      }
      default:
        return fail();
    }
  }

  static bool number(std::string_view text, long& out) {
    if (text.empty() || text.size() > 18)
      return false;
    char* stop = nullptr;
    const std::string copy(text);
    out = std::strtol(copy.c_str(), &stop, 10);
    return stop == copy.c_str() + copy.size();
  }

  bool fail() {
    malformed_ = true;
    return false;
  }

  bool malformed_ = false;
};

}  // namespace cohort_bench
