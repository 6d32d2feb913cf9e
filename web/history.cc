// vanban/web — revisions, word diff, full history, PDF of any revision (routes.h).
#include "web/routes.h"

namespace vanban::web {

std::optional<Reply> HistoryRoutes(Ctx&, const Call&) { return std::nullopt; }

}  // namespace vanban::web
