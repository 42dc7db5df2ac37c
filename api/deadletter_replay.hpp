#pragma once

#include <string_view>
#include <variant>

#include "http/http_router.hpp"
#include "api/services.hpp"
#include "storage/dead_letters.hpp"

namespace cohort::api {

/// Reads a replay request body: {"reason": prefix, "from": ISO 8601, "to": ISO 8601,
/// "ids": [n, ...]}, at least one of them. The reason why not when it is none of that.
std::variant<storage::letter_selection, std::string> parse_replay_selection(std::string_view body);

/// POST /admin/api/deadletters/replay: sends the selected dead letters (oldest first, up
/// to 10,000 a call) back through ingest, decoded as their source path decodes them
/// (after a mapping fix a letter may decode now), with their original messageId so that
/// dedup catches a repeat. A replayed letter leaves the store once its events are
/// durable; one that fails again is stored anew with this time's reason; a late event
/// cannot be replayed (it would be late again) and stays. Answers
/// {"selected","replayed","failedAgain","skipped","more"}; 503 when ingest is full or
/// does not acknowledge (then nothing changed), 500 when the store fails.
void replay_dead_letters(services& svc, http::http_request&& req, http::respond_fn respond);

} // namespace cohort::api
