#include "http/http_router.hpp"

#include <algorithm>

namespace cohort::http {

void http_router::add(std::string method, std::string path, http_handler handler) {
  exact_[std::move(path)][std::move(method)] = std::move(handler);
}

void http_router::add_prefix(std::string method, std::string prefix, http_handler handler) {
  auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                         [&](const auto& p) { return p.first == prefix; });
  if (it == prefixes_.end()) {
    prefixes_.emplace_back(std::move(prefix), by_method{});
    it = std::prev(prefixes_.end());
  }
  it->second[std::move(method)] = std::move(handler);
  std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const auto& a, const auto& b) {
    return a.first.size() > b.first.size();
  });
}

const http_router::by_method* http_router::match(const std::string& path) const {
  if (auto it = exact_.find(path); it != exact_.end())
    return &it->second;
  for (const auto& [prefix, handlers] : prefixes_)
    if (path.compare(0, prefix.size(), prefix) == 0)
      return &handlers;
  return nullptr;
}

void http_router::dispatch(http_request&& req, respond_fn respond) const {
  const auto* handlers = match(req.path);
  if (handlers == nullptr) {
    respond(error_response(404, "no such endpoint: " + req.path));
    return;
  }
  auto it = handlers->find(req.method);
  if (it == handlers->end()) {
    std::string allow;
    for (const auto& [method, handler] : *handlers)
      allow += (allow.empty() ? "" : ", ") + method;
    auto res = error_response(405, "method " + req.method + " not allowed; use " + allow);
    res.headers.emplace_back("Allow", allow);
    respond(std::move(res));
    return;
  }
  it->second(std::move(req), std::move(respond));
}

} // namespace cohort::http
