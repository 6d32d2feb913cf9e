// vanban/web — outgoing/incoming registers, export, archive export (routes.h).
#include "web/routes.h"

namespace vanban::web {

std::optional<Reply> RegisterRoutes(Ctx&, const Call&) { return std::nullopt; }

}  // namespace vanban::web
