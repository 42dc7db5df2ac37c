#include "actors/locator.hpp"

#include <algorithm>
#include <iterator>

#include <caf/all.hpp>

#include "actors/scatter.hpp"

namespace cohort::actors {

void with_linked_identities(profile& p, const identity_graph& graph) {
  auto rec = graph.record_of(p.profile_id);
  if (!rec)
    return;
  p.identities.clear();
  bool named = false;
  for (const auto& x : rec->identities) {
    p.identities.push_back({x.kind, x.id, x.link, x.confidence});
    if (x.kind == "userId" && !named) {
      p.user_id = x.id;
      named = true;
    }
  }
}

std::vector<std::string> merge_pages(std::vector<std::vector<std::string>> pages,
                                     std::uint32_t limit) {
  std::vector<std::string> keys;
  for (auto& page : pages)
    keys.insert(keys.end(), std::make_move_iterator(page.begin()),
                std::make_move_iterator(page.end()));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys.resize(std::min<std::size_t>(keys.size(), limit));
  return keys;
}

namespace {

using locator_ptr = locator::stateful_pointer<local_locator_state>;

/// Delivers `answer` (a value or an error) to `promise`.
template <class T>
void settle(caf::typed_response_promise<T>& promise, caf::expected<T>&& answer) {
  if (answer)
    promise.deliver(std::move(*answer));
  else
    promise.deliver(std::move(answer.error()));
}

} // namespace

locator::behavior_type local_locator(locator_ptr self, router route,
                                     std::shared_ptr<const identity_graph> graph,
                                     caf::actor ingest, caf::timespan timeout) {
  auto& st = self->state;
  st.route = std::make_unique<router>(std::move(route));
  st.graph = std::move(graph);
  st.ingest = std::move(ingest);
  st.timeout = timeout;
  return {
    [=](profile_atom atom, const std::string& id) -> caf::result<profile> {
      auto& st = self->state;
      auto key = st.graph->profile_of(id);
      auto promise = self->make_response_promise<profile>();
      self->request(st.route->shard_for(key), st.timeout, atom, key)
        .then(
          [=](profile& p) mutable {
            with_linked_identities(p, *self->state.graph);
            promise.deliver(std::move(p));
          },
          [=](caf::error& e) mutable { promise.deliver(std::move(e)); });
      return promise;
    },
    [=](summary_atom atom, const std::string& id) -> caf::result<profile_summary> {
      auto& st = self->state;
      auto key = st.graph->profile_of(id);
      self->delegate(st.route->shard_for(key), atom, key);
      return caf::delegated<profile_summary>{};
    },
    [=](list_atom atom, const std::string& filter, const std::string& after,
        std::uint32_t limit) -> caf::result<std::vector<std::string>> {
      auto promise = self->make_response_promise<std::vector<std::string>>();
      scatter<std::vector<std::string>>(
        self, self->state.route->shards(), self->state.timeout,
        [=](caf::expected<std::vector<std::vector<std::string>>> pages) mutable {
          if (pages)
            promise.deliver(merge_pages(std::move(*pages), limit));
          else
            promise.deliver(std::move(pages.error()));
        },
        atom, filter, after, limit);
      return promise;
    },
    [=](stats_atom atom) -> caf::result<std::vector<directory_stats>> {
      auto promise = self->make_response_promise<std::vector<directory_stats>>();
      scatter<directory_stats>(
        self, self->state.route->shards(), self->state.timeout, [=](caf::expected<std::vector<directory_stats>> all) mutable { settle(promise, std::move(all)); },
        atom);
      return promise;
    },
    [=](unmerge_atom atom, const std::string& id) -> caf::result<unmerge_reply> {
      self->delegate(self->state.ingest, atom, id);
      return caf::delegated<unmerge_reply>{};
    },
  };
}

} // namespace cohort::actors
