// vanban/web — peers, sync now, bundles; verify an uploaded PDF (routes.h).
#include "web/routes.h"

namespace vanban::web {

std::optional<Reply> PeerRoutes(Ctx&, const Call&) { return std::nullopt; }

}  // namespace vanban::web
