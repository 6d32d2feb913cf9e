// vanban/web — new document / new revision, live preview (routes.h).
#include "web/routes.h"

namespace vanban::web {

std::optional<Reply> ComposeRoutes(Ctx&, const Call&) { return std::nullopt; }

}  // namespace vanban::web
