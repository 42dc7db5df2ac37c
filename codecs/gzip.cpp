#include "codecs/gzip.hpp"

#include <algorithm>
#include <climits>

#include <zlib.h>

#include "codecs/json_body.hpp"

namespace cohort::codecs {

namespace {

// Owns a z_stream so that every exit path releases zlib's state.
struct inflater {
  z_stream zs{};
  bool ok = false;
  inflater() { ok = inflateInit2(&zs, 32 + MAX_WBITS) == Z_OK; }  // 32: gzip or zlib header
  ~inflater() {
    if (ok)
      inflateEnd(&zs);
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
};

constexpr std::size_t chunk = 64 * 1024;

} // namespace

result<std::string> gunzip(std::string_view compressed, std::size_t max_bytes) {
  inflater inf;
  if (!inf.ok)
    return failure{500, "cannot initialise zlib"};
  auto& zs = inf.zs;
  const auto* next = reinterpret_cast<const Bytef*>(compressed.data());
  std::size_t left = compressed.size();
  std::string out;
  char buf[chunk];
  for (;;) {
    if (zs.avail_in == 0 && left > 0) {
      // avail_in is 32 bits wide; feed larger inputs in slices.
      const auto n = static_cast<uInt>(std::min<std::size_t>(left, UINT_MAX));
      zs.next_in = const_cast<Bytef*>(next);
      zs.avail_in = n;
      next += n;
      left -= n;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = chunk;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, chunk - zs.avail_out);
    // Checked per chunk, so a bomb costs at most max_bytes + one chunk of memory.
    if (out.size() > max_bytes)
      return failure{413, "decompressed body exceeds " + std::to_string(max_bytes) + " bytes"};
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 && left == 0) {
        out.reserve(out.size() + json_body_padding);  // so the JSON parser reads it in place
        return out;
      }
      // Concatenated gzip members (allowed by RFC 1952) decode as one body.
      if (inflateReset(&zs) != Z_OK)
        return failure{400, "corrupt gzip body"};
      continue;
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && left == 0 && zs.avail_out != 0))
      return failure{400, "truncated gzip body"};
    if (rc != Z_OK)
      return failure{400, std::string("corrupt gzip body: ") + (zs.msg ? zs.msg : "inflate error")};
  }
}

std::string gzip(std::string_view plain) {
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper rather than zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return {};
  std::string out(deflateBound(&zs, static_cast<uLong>(plain.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees a single Z_FINISH call completes.
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

} // namespace cohort::codecs
