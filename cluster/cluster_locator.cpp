#include "cluster/cluster_locator.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/locator.hpp"
#include "cluster/partitioning.hpp"
#include "config/loader.hpp"

namespace cohort::cluster {

namespace {

using locator_ptr = cluster_locator_actor::stateful_pointer<cluster_locator_state>;

/// Hands `k` the gateway of `node`: this node's own, a connected peer's, or — once
/// connected through the middleman — a new one's.
void with_gateway(locator_ptr self, const member_record& node,
                  std::function<void(caf::expected<caf::actor>)> k) {
  auto& st = self->state;
  if (node.node_id == st.self_id) {
    k(st.local_gateway);
    return;
  }
  auto& peer = st.peers[node.node_id];
  if (peer.boot_id != node.boot_id) {  // a restarted node: what we held is another's
    for (auto& [id, fail] : peer.pending)
      fail(actors::make_error(actors::errc::moving));
    peer = peer_link{node.boot_id, nullptr, false, {}, {}};
  }
  if (peer.gateway) {
    k(peer.gateway);
    return;
  }
  peer.waiting.push_back(std::move(k));
  if (peer.connecting)
    return;
  peer.connecting = true;
  std::string host;
  unsigned short port = 0;
  auto connected = [self, id = node.node_id](caf::expected<caf::actor> gw) {
    auto& peer = self->state.peers[id];
    peer.connecting = false;
    if (gw) {
      peer.gateway = *gw;
      self->monitor(*gw);
    }
    for (auto& waiter : std::exchange(peer.waiting, {}))
      waiter(gw);
  };
  if (!config::parse_host_port(node.cluster, host, port)) {
    connected(caf::make_error(caf::sec::invalid_argument, "bad cluster address " + node.cluster));
    return;
  }
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, st.timeout, caf::connect_atom::value, host, static_cast<std::uint16_t>(port))
    .then(
      [connected](const caf::node_id&, caf::strong_actor_ptr& ptr,
                  const std::set<std::string>&) mutable {
        if (ptr)
          connected(caf::actor_cast<caf::actor>(std::move(ptr)));
        else
          connected(caf::make_error(caf::sec::no_actor_published_at_port));
      },
      [connected](caf::error& e) mutable { connected(std::move(e)); });
}

/// Sends (xs...) to `node`'s gateway; `done` runs once with the answer or the error (at
/// once with errc::moving when the node goes down meanwhile).
template <class Result, class... Ts>
void ask_node(locator_ptr self, const member_record& node,
              std::function<void(caf::expected<Result>)> done, Ts... xs) {
  auto id = node.node_id;
  with_gateway(self, node, [=](caf::expected<caf::actor> gw) {
    if (!gw) {
      done(std::move(gw.error()));
      return;
    }
    auto request_id = ++self->state.next_request;
    auto remote = id != self->state.self_id;
    if (remote)
      self->state.peers[id].pending.emplace(request_id, [done](caf::error e) { done(std::move(e)); });
    // Settled here once: by the answer, or by the peer's down message first.
    auto settle = [self, id, request_id, remote, done](caf::expected<Result> answer) {
      if (remote) {
        auto& pending = self->state.peers[id].pending;
        if (pending.erase(request_id) == 0)
          return;
      }
      done(std::move(answer));
    };
    self->request(*gw, self->state.timeout, xs...)
      .then([settle](Result& r) mutable { settle(std::move(r)); },
            [settle](caf::error& e) mutable { settle(std::move(e)); });
  });
}

/// Asks every live node; `done` gets the answers of those that answered.
template <class Result, class... Ts>
void ask_all_nodes(locator_ptr self, std::function<void(std::vector<Result>)> done, Ts... xs) {
  auto nodes = self->state.members->alive();
  struct gather {
    std::vector<Result> answers;
    std::size_t pending = 0;
  };
  auto g = std::make_shared<gather>();
  g->pending = nodes.size();
  if (nodes.empty()) {
    done({});
    return;
  }
  for (const auto& node : nodes)
    ask_node<Result>(self, node,
                     [g, done](caf::expected<Result> answer) {
                       if (answer)
                         g->answers.push_back(std::move(*answer));
                       if (--g->pending == 0)
                         done(std::move(g->answers));
                     },
                     xs...);
}

/// The node serving `key`'s partition, or errc::moving.
caf::expected<member_record> owner_of(locator_ptr self, const std::string& key) {
  auto owner = self->state.members->owner_of(partition_of(key, self->state.partitions));
  if (!owner)
    return actors::make_error(actors::errc::moving);
  return *owner;
}

template <class T>
void settle(caf::typed_response_promise<T>& promise, caf::expected<T>&& answer) {
  if (answer)
    promise.deliver(std::move(*answer));
  else
    promise.deliver(std::move(answer.error()));
}

} // namespace

cluster_locator_actor::behavior_type
cluster_locator(locator_ptr self, std::shared_ptr<const actors::identity_graph> graph,
                std::shared_ptr<members_view> members, std::string self_id,
                caf::actor local_gateway, int partitions, caf::timespan timeout) {
  auto& st = self->state;
  st.graph = std::move(graph);
  st.members = std::move(members);
  st.self_id = std::move(self_id);
  st.local_gateway = std::move(local_gateway);
  st.partitions = partitions;
  st.timeout = timeout;
  self->set_down_handler([=](caf::down_msg& msg) {
    for (auto it = self->state.peers.begin(); it != self->state.peers.end(); ++it) {
      if (!it->second.gateway || it->second.gateway.address() != msg.source)
        continue;
      auto pending = std::move(it->second.pending);
      self->state.peers.erase(it);
      for (auto& [id, fail] : pending)
        fail(actors::make_error(actors::errc::moving));
      return;
    }
  });
  return {
    [=](actors::profile_atom atom, const std::string& id) -> caf::result<actors::profile> {
      auto key = self->state.graph->profile_of(id);
      auto owner = owner_of(self, key);
      if (!owner)
        return std::move(owner.error());
      auto promise = self->make_response_promise<actors::profile>();
      ask_node<actors::profile>(self, *owner, [=](caf::expected<actors::profile> p) mutable {
        if (p)
          actors::with_linked_identities(*p, *self->state.graph);
        settle(promise, std::move(p));
      }, atom, key);
      return promise;
    },
    [=](actors::summary_atom atom, const std::string& id) -> caf::result<actors::profile_summary> {
      auto key = self->state.graph->profile_of(id);
      auto owner = owner_of(self, key);
      if (!owner)
        return std::move(owner.error());
      auto promise = self->make_response_promise<actors::profile_summary>();
      ask_node<actors::profile_summary>(
        self, *owner,
        [=](caf::expected<actors::profile_summary> s) mutable { settle(promise, std::move(s)); },
        atom, key);
      return promise;
    },
    [=](actors::list_atom atom, const std::string& filter, const std::string& after,
        std::uint32_t limit) -> caf::result<std::vector<std::string>> {
      auto promise = self->make_response_promise<std::vector<std::string>>();
      ask_all_nodes<std::vector<std::string>>(
        self,
        [=](std::vector<std::vector<std::string>> pages) mutable {
          promise.deliver(actors::merge_pages(std::move(pages), limit));
        },
        atom, filter, after, limit);
      return promise;
    },
    [=](actors::stats_atom atom) -> caf::result<std::vector<actors::directory_stats>> {
      auto promise = self->make_response_promise<std::vector<actors::directory_stats>>();
      ask_all_nodes<std::vector<actors::directory_stats>>(
        self,
        [=](std::vector<std::vector<actors::directory_stats>> per_node) mutable {
          std::vector<actors::directory_stats> all;
          for (auto& node : per_node)
            all.insert(all.end(), node.begin(), node.end());
          promise.deliver(std::move(all));
        },
        atom);
      return promise;
    },
    [=](actors::unmerge_atom atom, const std::string& id) -> caf::result<actors::unmerge_reply> {
      auto sequencer = self->state.members->sequencer();
      if (!sequencer)
        return actors::make_error(actors::errc::moving);
      auto promise = self->make_response_promise<actors::unmerge_reply>();
      ask_node<actors::unmerge_reply>(
        self, *sequencer,
        [=](caf::expected<actors::unmerge_reply> r) mutable { settle(promise, std::move(r)); },
        atom, id);
      return promise;
    },
    [=](resolve_atom atom, actors::event_batch& batch) -> caf::result<std::uint64_t> {
      auto sequencer = self->state.members->sequencer();
      if (!sequencer)
        return actors::make_error(actors::errc::moving);
      auto promise = self->make_response_promise<std::uint64_t>();
      ask_node<std::uint64_t>(
        self, *sequencer,
        [=](caf::expected<std::uint64_t> r) mutable { settle(promise, std::move(r)); },
        atom, std::move(batch));
      return promise;
    },
  };
}

} // namespace cohort::cluster
