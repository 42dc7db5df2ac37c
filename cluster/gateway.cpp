#include "cluster/gateway.hpp"

#include <caf/all.hpp>

#include "actors/directory_actor.hpp"
#include "actors/locator.hpp"
#include "actors/messages.hpp"
#include "actors/scatter.hpp"
#include "cluster/cluster_messages.hpp"
#include "cluster/partitioning.hpp"

namespace cohort::cluster {

namespace {

/// The shard of `key`'s partition, or errc::moving when this node does not serve it.
template <class Result, class Atom>
caf::result<Result> to_owner(caf::event_based_actor* self, const gateway_context& ctx, Atom atom,
                             const std::string& key) {
  auto shard = ctx.shard_of(partition_of(key, ctx.partitions));
  if (!shard)
    return actors::make_error(actors::errc::moving);
  self->delegate(*shard, atom, key);
  return caf::delegated<Result>{};
}

} // namespace

caf::behavior gateway(caf::event_based_actor* self, gateway_context ctx) {
  return {
    [=](actors::profile_atom atom, const std::string& key) -> caf::result<actors::profile> {
      return to_owner<actors::profile>(self, ctx, atom, key);
    },
    [=](actors::summary_atom atom, const std::string& key)
      -> caf::result<actors::profile_summary> {
      return to_owner<actors::profile_summary>(self, ctx, atom, key);
    },
    [=](actors::list_atom atom, const std::string& filter, const std::string& after,
        std::uint32_t limit) -> caf::result<std::vector<std::string>> {
      auto promise = self->make_response_promise<std::vector<std::string>>();
      actors::scatter<std::vector<std::string>>(
        self, ctx.shards(), ctx.timeout,
        [=](caf::expected<std::vector<std::vector<std::string>>> pages) mutable {
          if (pages)
            promise.deliver(actors::merge_pages(std::move(*pages), limit));
          else
            promise.deliver(std::move(pages.error()));
        },
        atom, filter, after, limit);
      return promise;
    },
    [=](actors::stats_atom atom) -> caf::result<std::vector<actors::directory_stats>> {
      auto promise = self->make_response_promise<std::vector<actors::directory_stats>>();
      actors::scatter<actors::directory_stats>(
        self, ctx.shards(), ctx.timeout,
        [=](caf::expected<std::vector<actors::directory_stats>> all) mutable {
          if (all)
            promise.deliver(std::move(*all));
          else
            promise.deliver(std::move(all.error()));
        },
        atom);
      return promise;
    },
    [=](resolve_atom atom, actors::event_batch& batch) -> caf::result<std::uint64_t> {
      self->delegate(ctx.sequencer, atom, std::move(batch));
      return caf::delegated<std::uint64_t>{};
    },
    [=](actors::unmerge_atom atom, const std::string& id) -> caf::result<actors::unmerge_reply> {
      self->delegate(ctx.sequencer, atom, id);
      return caf::delegated<actors::unmerge_reply>{};
    },
  };
}

} // namespace cohort::cluster
