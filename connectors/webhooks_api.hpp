#pragma once

#include <memory>
#include <string>

#include "api/metrics.hpp"
#include "connectors/webhook_senders.hpp"

namespace cohort::http {
class http_router;
}

namespace cohort::connectors {

/// {"webhooks":[{url, events, queued, inFlight, delivered, failures, dropped, abandoned,
/// breaker, lastError, lastErrorAt, lastDeliveredAt}]}: URLs shown, secrets never.
std::string webhooks_json(const webhook_senders* senders);

/// Registers GET /admin/api/webhooks behind the admin token; `senders` may be null (no
/// destination configured: an empty list).
void add_webhooks_api(http::http_router& router, const std::string& admin_token,
                      std::shared_ptr<const webhook_senders> senders);

/// cohort_webhook_* families, one sample per destination labelled by URL.
void write_webhook_metrics(api::prometheus_writer& w, const webhook_senders& senders);

} // namespace cohort::connectors
