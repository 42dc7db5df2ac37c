#include "cluster/cluster_api.hpp"

#include <set>

#include "api/admin_guard.hpp"
#include "api/services.hpp"
#include "codecs/json_writer.hpp"
#include "codecs/time.hpp"
#include "http/http_router.hpp"

namespace cohort::cluster {

namespace {

std::string members_json(const api::services& svc, const members_view& view, int partitions) {
  auto nodes = view.alive();
  std::set<std::int32_t> serving;
  for (const auto& n : nodes)
    for (const auto& p : n.partitions)
      if (p.state == "serving")
        serving.insert(p.partition);
  codecs::json_writer w;
  w.begin_object().key("mode").value("cluster").key("self").value(svc.cfg.node.id);
  w.key("partitions").value(static_cast<std::int64_t>(partitions));
  w.key("serving").value(static_cast<std::int64_t>(serving.size()));
  w.key("nodes").begin_array();
  for (const auto& n : nodes) {
    std::int64_t lag = 0;
    w.begin_object().key("id").value(n.node_id).key("listen").value(n.http);
    w.key("cluster").value(n.cluster).key("state").value("up");
    w.key("sequencer").value(n.sequencer_epoch > 0);
    w.key("reportedAt").value(codecs::format_iso8601(n.at_ms));
    w.key("partitions").begin_array();
    for (const auto& p : n.partitions) {
      auto behind = std::max<std::int64_t>(0, p.end - p.applied);
      if (p.state == "serving")
        lag += behind;
      w.begin_object().key("partition").value(static_cast<std::int64_t>(p.partition));
      w.key("state").value(p.state).key("epoch").value(p.epoch);
      w.key("applied").value(p.applied).key("end").value(p.end).key("lag").value(behind);
      w.end_object();
    }
    w.end_array().key("lag").value(lag).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

} // namespace

void add_cluster_api(http::http_router& router, api::services& svc,
                     std::shared_ptr<const members_view> members, int partitions) {
  router.add("GET", "/admin/api/nodes",
             api::admin_guarded(svc.cfg.admin.token,
                                [&svc, members, partitions](http::http_request&&,
                                                            http::respond_fn respond) {
                                  respond(http::json_response(members_json(svc, *members, partitions)));
                                }));
}

} // namespace cohort::cluster
