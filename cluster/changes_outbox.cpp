#include "cluster/changes_outbox.hpp"

#include "cluster/log_records.hpp"
#include "cluster/partitioning.hpp"

namespace cohort::cluster {

changes_outbox::changes_outbox(std::shared_ptr<state_journal> journal, std::string changes_topic,
                               int partitions)
  : journal_(std::move(journal)), topic_(std::move(changes_topic)), partitions_(partitions) {
}

result<bool> changes_outbox::queue(const std::vector<actors::change_event>& changes) {
  for (const auto& change : changes)
    journal_->produce_durable(topic_, partition_of(change.user_id, partitions_), change.user_id,
                              encode(change));
  return true;
}

} // namespace cohort::cluster
