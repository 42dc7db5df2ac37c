#pragma once

#include <memory>

#include "cluster/members_view.hpp"

namespace cohort::http {
class http_router;
}

namespace cohort::api {
struct services;
}

namespace cohort::cluster {

/// Replaces GET /admin/api/nodes with the cluster's members (admin token required):
/// {"mode":"cluster","self","partitions","serving","nodes":[{"id","listen","cluster",
/// "state","sequencer","lag","partitions":[{"partition","state","epoch","applied","end",
/// "lag"}]}]}, each node as its last report in <prefix>.members says.
void add_cluster_api(http::http_router& router, api::services& svc,
                     std::shared_ptr<const members_view> members, int partitions);

} // namespace cohort::cluster
